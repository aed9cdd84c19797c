import Vapor

enum ChannelController {
    @Sendable static func show(request: Request) async throws -> Response {
        let model = try await ChannelPageModel.load(username: request.parameters.get("username") ?? "", on: request)
        return try await ChannelPageView.render(model, context: PageContext.load(request)).encodeResponse(for: request)
    }
}

