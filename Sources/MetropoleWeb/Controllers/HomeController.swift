import Vapor

enum HomeController {
    @Sendable static func show(request: Request) async throws -> Response {
        let model = try await HomePageModel.load(for: request)
        return try await HomePageView.render(model, context: PageContext.load(request)).encodeResponse(for: request)
    }
}
