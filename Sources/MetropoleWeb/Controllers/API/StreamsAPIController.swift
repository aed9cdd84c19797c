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
        let streams = try await StreamListing.load(
            for: request.currentUser, term: term?.isEmpty == false ? term : nil, liveOnly: liveOnly, limit: limit, on: request
        )
        return streams.map { summary($0, request: request) }
    }

    @Sendable static func show(request: Request) async throws -> StreamDTO {
        let stream = try await StreamListing.visibleStream(named: request.parameters.get("username") ?? "", for: request)
        return detail(stream, request: request)
    }

    static func summary(_ stream: Stream, request: Request) -> StreamSummaryDTO {
        let username = stream.user.username
        return StreamSummaryDTO(
            username: username, title: stream.title, isLive: stream.isLive,
            viewerCount: stream.isLive ? request.application.live.directory.viewers.count(username: username) : 0,
            thumbnailUrl: stream.thumbnail.map { SiteURL.thumbnail($0).path }
        )
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
    static func load(for viewer: User?, term: String?, liveOnly: Bool, limit: Int, on request: Request) async throws -> [Stream] {
        let hidden = try await Visibility.ownersBlocking(viewer, on: request.db)
        let query = Stream.query(on: request.db).join(User.self, on: \Stream.$user.$id == \User.$id).with(\.$user)
        if liveOnly { query.filter(\.$isLive == true) }
        if !hidden.isEmpty { query.filter(\.$user.$id !~ Array(hidden)) }
        if let term {
            query.group(.or) { group in
                group.filter(.containsIgnoringCase(User.schema, "username_key", term))
                group.filter(.containsIgnoringCase(Stream.schema, "title", term))
            }
        }
        return try await query.sort(\.$isLive, .descending).sort(\.$updatedAt, .descending).limit(limit).all()
    }

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
