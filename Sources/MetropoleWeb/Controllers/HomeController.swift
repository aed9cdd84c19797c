import Vapor

enum HomeController {
    @Sendable static func show(request: Request) async throws -> Response {
        let model = try await HomePageModel.load(on: request.db)
        return try await HomePageView.render(model, context: PageContext(request: request)).encodeResponse(for: request)
    }
}
