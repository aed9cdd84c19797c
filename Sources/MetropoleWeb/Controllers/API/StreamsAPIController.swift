import Fluent
import Vapor

/// `GET /streams`, `GET /streams/{username}`, `PATCH /me/stream`.
enum StreamsAPIController {
    struct StreamSummaryDTO: Content {
        var username: String
        var title: String
        var isLive: Bool
        var viewerCount: Int
        var thumbnailUrl: String?
    }

    struct ChatSettingsDTO: Content {
        var enabled: Bool
        var slowModeSeconds: Int
        var followersOnly: Bool
    }

    struct PlaybackDTO: Content {
        var hls: String
        var ws: String
    }

    struct StreamDTO: Content {
        var username: String
        var title: String
        var isLive: Bool
        var viewerCount: Int
        var thumbnailUrl: String?
        var startedAt: Date?
        var chat: ChatSettingsDTO
        var playback: PlaybackDTO
    }

    @Sendable static func list(request: Request) async throws -> [StreamSummaryDTO] {
        let term = (try? request.query.get(String.self, at: "q"))?.trimmingCharacters(in: .whitespaces)
        let liveOnly = (try? request.query.get(Bool.self, at: "live")) ?? false
        let limit = min(max((try? request.query.get(Int.self, at: "limit")) ?? 50, 1), 200)
        let rows = try await ChannelDirectory.channels(
            for: request.currentUser?.id, filter: .init(term: term, liveOnly: liveOnly, limit: limit), on: request.db)
        let viewers = request.application.live.directory.viewers
        return rows.map { row in
            StreamSummaryDTO(username: row.username, title: row.title, isLive: row.isLive,
                             viewerCount: row.isLive ? viewers.count(username: row.username) : 0,
                             thumbnailUrl: row.thumbnail.map { SiteURL.thumbnail($0).path })
        }
    }

    @Sendable static func show(request: Request) async throws -> StreamDTO {
        let stream = try await StreamListing.visibleStream(named: request.parameters.get("username") ?? "", for: request)
        return detail(stream, request: request)
    }

    static func detail(_ stream: Stream, request: Request) -> StreamDTO {
        let base = request.application.metropole.publicURL.absoluteString
        let username = stream.user.username
        let wsBase = base.replacingOccurrences(of: "http://", with: "ws://").replacingOccurrences(of: "https://", with: "wss://")
        return StreamDTO(
            username: username, title: stream.title, isLive: stream.isLive,
            viewerCount: stream.isLive ? request.application.live.directory.viewers.count(username: username) : 0,
            thumbnailUrl: stream.thumbnail.map { SiteURL.thumbnail($0).path },
            startedAt: stream.isLive ? stream.startedAt : nil,
            chat: ChatSettingsDTO(enabled: stream.chatEnabled, slowModeSeconds: stream.slowModeSeconds, followersOnly: stream.followersOnly),
            playback: PlaybackDTO(hls: base + SiteURL.livePlaylist(username).path, ws: wsBase + SiteURL.liveSocket(username).path)
        )
    }
}

/// Stream look-ups shared by the API and the pages, with blocking applied.
enum StreamListing {
    /// The stream of `username` as `request`'s user may see it: 404 when unknown or when its
    /// owner blocks the caller (a blocked user cannot even tell the channel exists).
    static func visibleStream(named username: String, for request: Request) async throws -> Stream {
        guard let stream = try await Stream.query(on: request.db)
            .join(User.self, on: \Stream.$user.$id == \User.$id)
            .filter(User.self, \.$usernameKey == Username.key(username))
            .with(\.$user)
            .first(),
            try await !Visibility.isBlocked(request.currentUser, by: stream.$user.id, on: request.db)
        else { throw APIError.notFound("No channel by that name.") }
        return stream
    }
}
