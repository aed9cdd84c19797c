import Vapor

/// Form fallbacks of follow, unfollow and block on the channel page (scripts use the API).
enum SocialPagesController {
    @Sendable static func follow(request: Request) async throws -> Response {
        try await act(request) { target, user in try await SocialGraph.follow(target, by: user, on: request) }
    }

    @Sendable static func unfollow(request: Request) async throws -> Response {
        try await act(request) { target, user in try await SocialGraph.unfollow(target, by: user, on: request) }
    }

    @Sendable static func block(request: Request) async throws -> Response {
        try await act(request, returnHome: true) { target, user in try await SocialGraph.block(target, by: user, on: request) }
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
        var headers = HTTPHeaders()
        headers.contentType = .html
        headers.replaceOrAdd(name: .cacheControl, value: "no-store")
        return Response(status: .ok, headers: headers, body: .init(string: SidebarView.render(context.sidebar, context: context).render()))
    }
}
