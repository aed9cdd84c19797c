import Vapor

/// Form fallbacks of follow, unfollow and block on the channel page (scripts use the API).
enum SocialPagesController {
    static func handler(for action: SiteURL.ChannelAction) -> @Sendable (Request) async throws -> Response {
        switch action {
        case .follow: { request in try await act(request) { try await SocialGraph.follow($0, by: $1, on: request) } }
        case .unfollow: { request in try await act(request) { try await SocialGraph.unfollow($0, by: $1, on: request) } }
        case .block: { request in try await act(request, returnHome: true) { try await SocialGraph.block($0, by: $1, on: request) } }
        }
    }

    private static func act(_ request: Request, returnHome: Bool = false,
                            _ action: (User, User) async throws -> Void) async throws -> Response {
        guard let user = request.currentUser else {
            return request.redirect(to: SiteURL.signIn.path, redirectType: .normal)
        }
        let target = try await SocialGraph.target(request)
        try await action(target, user)
        return request.redirect(to: returnHome ? SiteURL.home.path : SiteURL.channel(target.username).path, redirectType: .normal)
    }

    /// `GET /partials/sidebar`: the sidebar alone, for scripts that refresh it in place.
    @Sendable static func sidebar(request: Request) async throws -> Response {
        let context = try await PageContext.load(request)
        return PageResponse.response(ByteBuffer(string: SidebarView.render(context.sidebar, context: context).render()))
    }
}
