import Foundation

/// Every page and API path, built in one place so routes and links never drift apart.
enum SiteURL {
    case home
    case signIn
    case signUp
    case signOut
    case search(term: String?)
    case channel(String)
    case healthz
    case avatar(String)
    case thumbnail(String)
    case livePlaylist(String)
    case liveSocket(String)
    case dashboard(String)
    case events
    case settings
    case layout

    var path: String {
        switch self {
        case .home: "/"
        case .signIn: "/signin"
        case .signUp: "/signup"
        case .signOut: "/signout"
        case .search(let term):
            if let term, let encoded = term.addingPercentEncoding(withAllowedCharacters: .urlQueryValueAllowed) {
                "/search?term=\(encoded)"
            } else {
                "/search"
            }
        case .channel(let username): "/\(username)"
        case .healthz: "/healthz"
        case .avatar(let file): "/uploads/avatars/\(file)"
        case .thumbnail(let file): "/uploads/thumbnails/\(file)"
        case .livePlaylist(let username): "/live/\(username)/index.m3u8"
        case .liveSocket(let username): "/live/\(username)/ws"
        case .dashboard(let username): "/u/\(username)"
        case .events: "/api/v1/events"
        case .settings: "/settings"
        case .layout: "/layout"
        }
    }

    /// Path components for Vapor's router; dynamic parts become parameters.
    var routeComponents: [String] {
        switch self {
        case .channel: [":username"]
        case .search: ["search"]
        case .avatar: ["uploads", "avatars", ":file"]
        case .thumbnail: ["uploads", "thumbnails", ":file"]
        case .livePlaylist: ["live", ":username", "index.m3u8"]
        case .liveSocket: ["live", ":username", "ws"]
        case .dashboard: ["u", ":username"]
        default: path.split(separator: "/").map(String.init)
        }
    }

    /// A local path to return to after signing in; anything else (another site) becomes home.
    static func safeReturnPath(_ candidate: String?) -> String {
        guard let candidate, candidate.hasPrefix("/"), !candidate.hasPrefix("//"), !candidate.contains("\\") else {
            return home.path
        }
        return candidate
    }
}

extension CharacterSet {
    /// Query values: unreserved characters only, so `&`, `=`, `+` and `#` in a term survive.
    static let urlQueryValueAllowed = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~")
}
