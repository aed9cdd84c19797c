import Fluent
import Vapor

/// `GET /streams`, `GET /streams/{username}`, `PATCH /me/stream`. `thumbnailUrl` is the card's
/// picture: a frame of the stream while live (`LiveThumbnails`), else the uploaded one.
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
        /// The uploaded thumbnail stays on cards while live.
        var keepUploadedThumbnail: Bool
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
        let app = request.application, viewers = app.live.directory.viewers
        return rows.map { row in
            StreamSummaryDTO(username: row.username, title: row.title, isLive: row.isLive,
                             viewerCount: row.isLive ? viewers.count(username: row.username) : 0,
                             thumbnailUrl: app.cardThumbnailURL(username: row.username, uploaded: row.thumbnail, isLive: row.isLive,
                                                                keepUploaded: row.keepUploadedThumbnail))
        }
    }

    @Sendable static func show(request: Request) async throws -> StreamDTO {
        let stream = try await Channels.visibleStream(named: request.parameters.get("username") ?? "", for: request.currentUser, on: request.db)
        return await detail(stream, request: request)
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
        return await StreamEnvelope(stream: detail(stream, request: request))
    }

    static func detail(_ stream: Stream, request: Request) async -> StreamDTO {
        let username = stream.user.username
        let playback = await Ingress.playback(of: stream, absolute: true, in: request.application)
        return StreamDTO(
            username: username, title: stream.title, isLive: stream.isLive,
            viewerCount: stream.isLive ? request.application.live.directory.viewers.count(username: username) : 0,
            thumbnailUrl: request.application.cardThumbnailURL(username: username, uploaded: stream.thumbnail, isLive: stream.isLive,
                                                               keepUploaded: stream.keepUploadedThumbnail),
            keepUploadedThumbnail: stream.keepUploadedThumbnail,
            startedAt: stream.isLive ? stream.startedAt : nil,
            chat: ChatSettingsDTO(enabled: stream.chatEnabled, slowModeSeconds: stream.slowModeSeconds, followersOnly: stream.followersOnly),
            playback: PlaybackDTO(hls: playback.hls, ws: playback.ws)
        )
    }
}
