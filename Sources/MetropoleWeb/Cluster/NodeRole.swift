import Foundation

/// What one process of a site does (`METROPOLE_ROLE`). Every node of a site runs the same
/// binary against the same MySQL/MariaDB or PostgreSQL database; the role only decides which
/// listeners and routes it starts.
public enum NodeRole: String, Sendable, Equatable, CaseIterable {
    /// Everything in one process: today's single-machine site, and the only role SQLite allows.
    case all
    /// Pages, the JSON API, chat and event streams. No ingest listener.
    case web
    /// RTMP and WHIP ingest, the `LiveHub`s, and their LL-HLS and WebSocket media. No pages.
    case ingest

    /// Takes publishers and serves live media.
    var servesMedia: Bool { self != .web }
    /// Serves pages, the API and chat.
    var servesSite: Bool { self != .ingest }

    static let variable = "METROPOLE_ROLE"
}
