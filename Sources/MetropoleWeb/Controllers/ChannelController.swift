import Vapor

enum ChannelController {
    @Sendable static func show(request: Request) async throws -> Response {
        let model = try await ChannelPageModel.load(username: request.parameters.get("username") ?? "", on: request)
        return try await ChannelPageView.render(model, context: PageContext(request: request)).encodeResponse(for: request)
    }
}

/// `/u/{username}`: the owner's dashboard. Guests are sent to sign in; anyone else is refused.
enum DashboardController {
    static func owner(_ request: Request) throws -> User? {
        guard let user = request.currentUser else { return nil }
        guard Username.key(user.username) == Username.key(request.parameters.get("username") ?? "") else {
            throw APIError.forbidden("Only the channel's owner can open its dashboard.")
        }
        return user
    }

    @Sendable static func show(request: Request) async throws -> Response {
        guard let user = try owner(request) else {
            return request.redirect(to: SiteURL.signIn.path + "?returnTo=" + (request.url.path.addingPercentEncoding(withAllowedCharacters: .urlQueryValueAllowed) ?? "/"))
        }
        let model = try await DashboardPageModel.load(owner: user, on: request)
        return try await DashboardPageView.render(model, context: PageContext(request: request)).encodeResponse(for: request)
    }

    /// Form fallback of `POST /me/ingress` (works without JavaScript).
    @Sendable static func regenerateKey(request: Request) async throws -> Response {
        guard let user = try owner(request) else { throw APIError.unauthorized }
        _ = try await IngressAPIController.create(request: request, user: user, protocol: "rtmp")
        return request.redirect(to: SiteURL.dashboard(user.username).path + "#keys", redirectType: .normal)
    }

    @Sendable static func deleteKey(request: Request) async throws -> Response {
        guard let user = try owner(request) else { throw APIError.unauthorized }
        try await IngressAPIController.delete(request: request, user: user)
        return request.redirect(to: SiteURL.dashboard(user.username).path + "#keys", redirectType: .normal)
    }

    @Sendable static func health(request: Request) async throws -> StreamHealthDTO {
        let stream = try await IngressAPIController.ownStream(of: request.requireUser(), on: request.db)
        let directory = request.application.live.directory
        return StreamHealthDTO(live: directory.entry(streamID: try stream.requireID()), viewers: directory.viewers)
    }
}
