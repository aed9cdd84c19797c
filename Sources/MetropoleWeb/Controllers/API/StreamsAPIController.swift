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

    /// `ws` is absent for streams on an external provider, which play from its HLS.
    struct PlaybackDTO: Content {
        var hls: String
        var ws: String?
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
        let stream = try await Channels.visibleStream(named: request.parameters.get("username") ?? "", for: request.currentUser, on: request.db)
        return detail(stream, request: request)
    }

    struct StreamEnvelope: Content {
        var stream: StreamDTO
    }

    /// `PATCH /me/stream`.
    @Sendable static func update(request: Request) async throws -> StreamEnvelope {
        let user = try request.requireUser()
        let update = try request.content.decode(StreamSettingsUpdate.self)
        let stream = try await Channels.ownStream(of: user, on: request.db)
        try await Channels.update(stream, with: update, in: request.application)
        stream.$user.value = user
        return StreamEnvelope(stream: detail(stream, request: request))
    }

    static func detail(_ stream: Stream, request: Request) -> StreamDTO {
        let username = stream.user.username
        let playback = Ingress.playback(of: stream, absolute: true, in: request.application)
        return StreamDTO(
            username: username, title: stream.title, isLive: stream.isLive,
            viewerCount: stream.isLive ? request.application.live.directory.viewers.count(username: username) : 0,
            thumbnailUrl: stream.thumbnail.map { SiteURL.thumbnail($0).path },
            startedAt: stream.isLive ? stream.startedAt : nil,
            chat: ChatSettingsDTO(enabled: stream.chatEnabled, slowModeSeconds: stream.slowModeSeconds, followersOnly: stream.followersOnly),
            playback: PlaybackDTO(hls: playback.hls, ws: playback.ws)
        )
    }
}
