import Vapor

/// What every page needs to know about the request that is not the page's own model.
struct PageContext: Sendable {
    var username: String?
    var avatarURL: String?
    var csrfToken: String
    var assets: AssetCatalog
    var searchTerm: String?
    var layout: LayoutPreferences
    var sidebar: SidebarModel
    /// Whether the top bar offers "Sign up" (`METROPOLE_PASSWORD_SIGNUP`).
    var passwordSignUp = true
    /// Shows the Admin link; the admin routes check the role themselves.
    var isAdmin = false
    /// How often an open page asks for newer live card pictures; 0: never (live thumbnails off).
    var cardRefreshSeconds = 0

    /// Context with the sidebar loaded. Pages call this; error pages fall back to `bare`.
    /// `csrfToken` overrides the request's (guest pages cached for everyone pass "").
    static func load(_ request: Request, searchTerm: String? = nil, csrfToken: String? = nil) async throws -> PageContext {
        var context = bare(request, searchTerm: searchTerm, csrfToken: csrfToken)
        context.sidebar = try await SidebarModel.load(for: request)
        return context
    }

    /// Context without database work, for error pages (the database may be what failed).
    static func bare(_ request: Request, searchTerm: String? = nil, csrfToken: String? = nil) -> PageContext {
        PageContext(
            username: request.currentUser?.username,
            avatarURL: request.currentUser?.avatar.map { SiteURL.avatar($0).path },
            csrfToken: csrfToken ?? request.csrfToken,
            assets: request.application.assets,
            searchTerm: searchTerm,
            layout: LayoutPreferences(request: request),
            sidebar: SidebarModel(),
            passwordSignUp: request.application.metropole.identity.passwordSignUp,
            isAdmin: request.currentUser?.isAdmin ?? false,
            cardRefreshSeconds: request.application.liveThumbnails.decoder == nil ? 0 : max(Int(request.application.liveThumbnails.interval / 2), 2)
        )
    }
}
