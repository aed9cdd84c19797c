import Foundation
import Vapor

/// Live playback: the WebSocket fMP4 feed and LL-HLS, both from the channel's `LiveHub`.
enum PlaybackController {
    /// The live entry a viewer may watch: 404 when the channel is not live, 403 when its
    /// owner blocks the viewer.
    static func watchable(_ request: Request) async throws -> LiveDirectory.Entry {
        guard let username = request.parameters.get("username") else { throw APIError.notFound("This channel is not live.") }
        guard let entry = request.application.live.directory.entry(username: username) else {
            if let node = await nodeHolding(username, request) {
                // Live on another node: an old link, or a player that started before the page knew.
                throw APIError(status: .temporaryRedirect, code: "live_elsewhere", message: "This stream plays from another node.",
                               headers: ["Location": node.url.absoluteString + request.url.string])
            }
            throw APIError.notFound("This channel is not live.")
        }
        try await ChannelAccess.check(request.currentUser, onChannelOf: entry.ownerID, on: request.db)
        return entry
    }

    /// The other node holding the channel's stream, on a site of several nodes.
    private static func nodeHolding(_ username: String, _ request: Request) async -> NodeRegistry.Peer? {
        let app = request.application
        guard app.nodes.isActive, let stream = try? await Channels.stream(named: username, on: request.db) else { return nil }
        return app.nodeHolding(stream)
    }

    // MARK: WebSocket fMP4

    @Sendable static func socket(request: Request) async throws -> Response {
        try WebSocketUpgrade.requireUpgrade(request)
        let entry = try await watchable(request)
        let (viewer, userID, live) = (ViewerCounter.viewerID(request, fallback: "c:" + UUID().uuidString), request.currentUser?.id, request.application.live)
        return WebSocketUpgrade.response(maxFrameSize: PlayerSocket.maxFrameSize, policy: .player, registry: request.application.webSockets) {
            PlayerSocket(entry: entry, viewer: viewer, userID: userID, live: live)
        }
    }

    // MARK: Live thumbnail

    /// The newest picture of the stream (`LiveThumbnails`): 404 until one is taken.
    @Sendable static func thumbnail(request: Request) async throws -> Response {
        let entry = try await watchable(request)
        guard let picture = request.application.liveThumbnails.picture(of: entry) else {
            throw APIError.notFound("No picture of this stream yet.")
        }
        var headers = HTTPHeaders()
        headers.contentType = .jpeg
        // Replaced every interval; cards name each picture with its own `?t=`.
        headers.replaceOrAdd(name: .cacheControl, value: "public, max-age=5")
        return Response(status: .ok, headers: headers, body: .init(buffer: picture.jpeg))
    }

    // MARK: LL-HLS

    /// Cache headers from `LiveHLSCaching` (decision 0051): a shared cache in front may answer
    /// guests from one copy; errors are never kept.
    @Sendable static func playlist(request: Request) async throws -> Response {
        try await LiveHLSCaching.uncachedErrors {
            let entry = try await watchable(request)
            let msn = try? request.query.get(Int.self, at: "_HLS_msn")
            let part = try? request.query.get(Int.self, at: "_HLS_part")
            let address = request.remoteAddress?.ipAddress ?? "?"
            let agent = request.headers.first(name: .userAgent) ?? ""
            request.application.live.directory.viewers.hlsSeen(
                username: entry.username, viewer: ViewerCounter.viewerID(request, fallback: "h:" + TokenSecret.digest(address + agent))
            )
            switch await entry.hub.playlist(msn: msn, part: part) {
            case .playlist(let text):
                let answer: LiveHLSCaching.Answer = msn == nil ? .playlist : .blockingPlaylist(targetDuration: entry.hub.targetDuration)
                var headers = LiveHLSCaching.headers(answer, for: .init(request))
                headers.contentType = HTTPMediaType(type: "application", subType: "vnd.apple.mpegurl")
                return Response(status: .ok, headers: headers, body: .init(string: text))
            case .badRequest:
                throw APIError.badRequest("_HLS_msn is too far ahead of the live edge.", code: "bad_hls_request")
            case .unavailable:
                throw APIError(status: .serviceUnavailable, code: "not_ready", message: "The playlist is not ready; retry shortly.",
                               headers: ["Retry-After": "1"])
            }
        }
    }

    /// `/live/{username}/{broadcast}/{file}`: a resource of the current broadcast only, so a
    /// URL never names two different byte strings.
    @Sendable static func resource(request: Request) async throws -> Response {
        try await LiveHLSCaching.uncachedErrors {
            let entry = try await watchable(request)
            guard request.parameters.get("broadcast") == entry.hub.broadcast else {
                throw APIError.notFound("That broadcast has ended.")
            }
            guard let name = request.parameters.get("file"), let bytes = await entry.hub.resource(named: name) else {
                throw APIError.notFound("No such segment or part.")
            }
            var headers = LiveHLSCaching.headers(.resource, for: .init(request))
            headers.contentType = HTTPMediaType(type: "video", subType: "mp4")
            return Response(status: .ok, headers: headers, body: .init(buffer: bytes))
        }
    }
}
