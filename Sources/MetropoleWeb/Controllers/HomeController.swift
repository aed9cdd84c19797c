import Vapor

enum HomeController {
    @Sendable static func show(request: Request) async throws -> Response {
        try await request.application.guestPages.respond(to: request) { context in
            HomePageView.render(try await HomePageModel.load(for: request), context: context)
        }
    }
}
