import Foundation

/// Every page, playback and API path, built in one place so routes, links and the browser
/// code never drift apart: `routes.swift` registers `routeComponents`, views link with `path`,
/// and pages hand the browser `browserTable` (read by `Public/js/urls.js`).
enum SiteURL: Equatable {
    case home
    case signIn
    case signUp
    case signOut
    /// OpenID Connect: off to the provider, and back.
    case oidcSignIn
    case oidcCallback
    case search(term: String?)
    case channel(String)
    case channelAction(String, ChannelAction)
    /// The channel's Videos tab, a video's watch page, and its owner's forms there.
    case channelVideos(String)
    case video(String, id: String)
    case videoAction(String, id: String, VideoAction)
    case dashboard(String, DashboardTab? = nil)
    case dashboardAction(String, DashboardAction)
    case settings
    case settingsAction(SettingsAction)
    case layout
    case favicon
    case sidebarPartial
    case healthz
    case metrics
    case admin(search: String?)
    case adminAction(AdminAction)
    case avatar(String)
    case thumbnail(String)
    case livePlaylist(String)
    case liveSocket(String)
    /// `{broadcast}` is the publication's token (`LiveHub.broadcast`, decision 0051).
    case liveResource(String, broadcast: String, file: String)
    case liveThumbnail(String)
    /// A recording's playlist, init segments and segments (`RecordingLayout.File`).
    case vodFile(String, file: String)
    case api(API)

    /// The `/api/v1` routes.
    enum API: Equatable {
        case users
        case user(String)
        case sessions
        case currentSession
        case me
        case following(String?)
        case blocked(String?)
        case ownStream
        case ownThumbnail
        case ownAvatar
        case ownStreamHealth
        case ingress
        case kicks(String)
        case streams
        case stream(String)
        case chat(String)
        case chatters(String)
        case events
        case whip
        case whipSession(String)
        case providers
        case providerHook(String, String)
        /// User sync from an identity provider (Standard Webhooks / Svix / Clerk).
        case userWebhooks
        case webhooks
        case webhook(String)
        case webhookTest(String)
        case openAPI
        case channelVideos(String)
        case video(String)
        case ownVideo(String)
        case adminStreams
        case adminEndStream(String)
        case adminUsers
        case adminSuspension(String)
        case adminAudit
        case adminNodes
    }

    /// The admin page's forms.
    enum AdminAction: Equatable {
        case endStream(String)
        case suspend(String)
        case unsuspend(String)
    }

    enum ChannelAction: String, CaseIterable { case follow, unfollow, block }
    enum VideoAction: String, CaseIterable { case rename, delete }
    enum DashboardTab: String, CaseIterable { case stream, keys, browser, chat, community, videos, webhooks }
    enum DashboardAction: Equatable {
        case regenerateKey, deleteKey, stream, chat, thumbnail, recording
        case unblock(String)
        case createWebhook
        case deleteWebhook(String)
        case testWebhook(String)
    }
    enum SettingsAction: String { case profile, avatar, provider }

    static let apiPrefix = "/api/v1"

    /// The path as a link, with parameters filled in.
    var path: String {
        "/" + segments(placeholders: false).joined(separator: "/") + (query.map { "?" + $0 } ?? "")
    }

    /// Path components for Vapor's router: dynamic parts are `:parameters`.
    var routeComponents: [String] { segments(placeholders: true) }

    private var query: String? {
        switch self {
        case .search(let term?):
            return term.addingPercentEncoding(withAllowedCharacters: .urlQueryValueAllowed).map { "term=" + $0 }
        case .admin(let term?):
            return term.addingPercentEncoding(withAllowedCharacters: .urlQueryValueAllowed).map { "q=" + $0 }
        default:
            return nil
        }
    }

    private func segments(placeholders: Bool) -> [String] {
        func value(_ parameter: String, _ actual: String?) -> String { placeholders ? ":" + parameter : (actual ?? "") }
        switch self {
        case .home: return []
        case .signIn: return ["signin"]
        case .signUp: return ["signup"]
        case .signOut: return ["signout"]
        case .oidcSignIn: return ["signin", "oidc"]
        case .oidcCallback: return ["signin", "oidc", "callback"]
        case .search: return ["search"]
        case .channel(let name): return [value("username", name)]
        case .channelAction(let name, let action): return [value("username", name), action.rawValue]
        case .channelVideos(let name): return [value("username", name), "videos"]
        case .video(let name, let id): return [value("username", name), "videos", value("video", id)]
        case .videoAction(let name, let id, let action): return [value("username", name), "videos", value("video", id), action.rawValue]
        case .dashboard(let name, let tab):
            let base = ["u", value("username", name)]
            if placeholders { return tab == nil ? base : base + [":tab"] }
            return tab.map { $0 == .stream ? base : base + [$0.rawValue] } ?? base
        case .dashboardAction(let name, let action):
            let base = ["u", value("username", name)]
            switch action {
            case .regenerateKey: return base + ["keys"]
            case .deleteKey: return base + ["keys", "delete"]
            case .stream: return base + ["stream"]
            case .chat: return base + ["chat"]
            case .thumbnail: return base + ["thumbnail"]
            case .recording: return base + ["recording"]
            case .unblock(let target): return base + ["blocked", value("target", target), "unblock"]
            case .createWebhook: return base + ["webhooks"]
            case .deleteWebhook(let id): return base + ["webhooks", value("webhook", id), "delete"]
            case .testWebhook(let id): return base + ["webhooks", value("webhook", id), "test"]
            }
        case .settings: return ["settings"]
        case .settingsAction(let action): return ["settings", action.rawValue]
        case .layout: return ["layout"]
        case .favicon: return ["favicon.ico"]
        case .sidebarPartial: return ["partials", "sidebar"]
        case .healthz: return ["healthz"]
        case .metrics: return ["metrics"]
        case .admin: return ["admin"]
        case .adminAction(let action):
            switch action {
            case .endStream(let name): return ["admin", "streams", value("username", name), "end"]
            case .suspend(let name): return ["admin", "users", value("username", name), "suspend"]
            case .unsuspend(let name): return ["admin", "users", value("username", name), "unsuspend"]
            }
        case .avatar(let file): return ["uploads", "avatars", value("file", file)]
        case .thumbnail(let file): return ["uploads", "thumbnails", value("file", file)]
        case .livePlaylist(let name): return ["live", value("username", name), "index.m3u8"]
        case .liveSocket(let name): return ["live", value("username", name), "ws"]
        case .liveResource(let name, let broadcast, let file): return ["live", value("username", name), value("broadcast", broadcast), value("file", file)]
        case .liveThumbnail(let name): return ["live", value("username", name), "thumbnail.jpg"]
        case .vodFile(let id, let file): return ["vod", value("video", id), value("file", file)]
        case .api(let route): return ["api", "v1"] + route.segments(value)
        }
    }

    /// Links the browser code needs, with `{name}` where a value goes.
    /// Path segments are not percent-encoded: usernames are `[a-z0-9_]` and file names hex.
    static var browserTable: [String: String] {
        [
            "events": SiteURL.api(.events).path,
            "streams": SiteURL.api(.streams).path,
            "sidebar": SiteURL.sidebarPartial.path,
            "ownStream": SiteURL.api(.ownStream).path,
            "ownStreamHealth": SiteURL.api(.ownStreamHealth).path,
            "ownThumbnail": SiteURL.api(.ownThumbnail).path,
            "ownAvatar": SiteURL.api(.ownAvatar).path,
            "following": SiteURL.api(.following("{username}")).path,
            "blocked": SiteURL.api(.blocked("{username}")).path,
            "kicks": SiteURL.api(.kicks("{username}")).path,
            "chat": SiteURL.api(.chat("{username}")).path,
            "chatters": SiteURL.api(.chatters("{username}")).path,
            "liveSocket": SiteURL.liveSocket("{username}").path,
            "livePlaylist": SiteURL.livePlaylist("{username}").path,
        ]
    }

    /// A local path to return to after signing in; anything else (another site) becomes home.
    static func safeReturnPath(_ candidate: String?) -> String {
        guard let candidate, candidate.hasPrefix("/"), !candidate.hasPrefix("//"), !candidate.contains("\\") else {
            return home.path
        }
        return candidate
    }
}

extension SiteURL.API {
    fileprivate func segments(_ value: (String, String?) -> String) -> [String] {
        switch self {
        case .users: ["users"]
        case .user(let name): ["users", value("username", name)]
        case .sessions: ["sessions"]
        case .currentSession: ["sessions", "current"]
        case .me: ["me"]
        case .following(let name): name == nil ? ["me", "following"] : ["me", "following", value("username", name)]
        case .blocked(let name): name == nil ? ["me", "blocked"] : ["me", "blocked", value("username", name)]
        case .ownStream: ["me", "stream"]
        case .ownThumbnail: ["me", "stream", "thumbnail"]
        case .ownAvatar: ["me", "avatar"]
        case .ownStreamHealth: ["me", "stream", "health"]
        case .ingress: ["me", "ingress"]
        case .kicks(let name): ["me", "kicks", value("username", name)]
        case .streams: ["streams"]
        case .stream(let name): ["streams", value("username", name)]
        case .chat(let name): ["streams", value("username", name), "chat"]
        case .chatters(let name): ["streams", value("username", name), "chatters"]
        case .events: ["events"]
        case .whip: ["whip"]
        case .whipSession(let id): ["whip", value("session", id)]
        case .providers: ["providers"]
        case .providerHook(let provider, let hook): ["providers", value("provider", provider), "hooks", value("hook", hook)]
        case .userWebhooks: ["webhooks", "users"]
        case .webhooks: ["me", "webhooks"]
        case .webhook(let id): ["me", "webhooks", value("webhook", id)]
        case .webhookTest(let id): ["me", "webhooks", value("webhook", id), "test"]
        case .openAPI: ["openapi.json"]
        case .channelVideos(let name): ["streams", value("username", name), "videos"]
        case .video(let id): ["videos", value("video", id)]
        case .ownVideo(let id): ["me", "videos", value("video", id)]
        case .adminStreams: ["admin", "streams"]
        case .adminEndStream(let name): ["admin", "streams", value("username", name), "end"]
        case .adminUsers: ["admin", "users"]
        case .adminSuspension(let name): ["admin", "users", value("username", name), "suspension"]
        case .adminAudit: ["admin", "audit"]
        case .adminNodes: ["admin", "nodes"]
        }
    }
}

extension CharacterSet {
    /// Query values: unreserved characters only, so `&`, `=`, `+` and `#` in a term survive.
    static let urlQueryValueAllowed = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~")
}
