import Vapor

enum ChannelController {
    @Sendable static func show(request: Request) async throws -> Response {
        try await request.application.guestPages.respond(to: request) { context in
            let model = try await ChannelPageModel.load(username: request.parameters.get("username") ?? "", on: request)
            return ChannelPageView.render(model, context: context)
        }
    }
}

