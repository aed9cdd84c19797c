import Vapor

/// The cache headers of live LL-HLS answers, so that a shared cache in front of the server (a
/// CDN, nginx `proxy_cache`) collapses viewers' requests without ever keeping one viewer's
/// answer for another or an error past the moment it was true (decision 0051).
enum LiveHLSCaching {
    /// Whose request it is. Blocks and kicks concern signed-in users only, so every guest gets
    /// the same answer and only guests' answers may be shared; a request presenting credentials
    /// (valid or not) is answered for that viewer alone.
    enum Audience: Equatable {
        case guest
        case signedIn

        init(_ request: Request) {
            self = SessionCredential(request) == nil ? .guest : .signedIn
        }
    }

    enum Answer: Equatable {
        /// The playlist without `_HLS_msn`: a new version with every part.
        case playlist
        /// With `_HLS_msn` (and `_HLS_part`): the URL names one future version, and any later
        /// version is an equally right answer to it.
        case blockingPlaylist(targetDuration: Int)
        /// An init segment, part or segment: its URL names one broadcast's bytes, which never
        /// change (the hinted part is answered only once it is complete).
        case resource
    }

    /// How long a plain playlist may be reused: the shortest lifetime HTTP can state. Half a
    /// part target (150 ms) cannot be written; 0 would send every poll to the server. Low-latency
    /// players read it once to find the live edge and then block; other players stand three
    /// target durations back, where a second changes nothing.
    static let playlistSeconds = 1
    /// Resources are unique per broadcast, so the lifetime only bounds how long anyone keeps
    /// them: a day is far past the live window, and recordings have URLs of their own.
    static let resourceSeconds = 86_400

    /// Answers that cannot be shared vary with the credentials: a cache that honours `Vary`
    /// keeps guests' answers for guests only.
    static let vary = "Cookie, Authorization"

    /// Errors (403 for one viewer, 404 until the stream starts, 503 for a hold that ran out) are
    /// never kept.
    static let errorCacheControl = "no-store"

    static func cacheControl(_ answer: Answer, for audience: Audience) -> String {
        let scope = audience == .guest ? "public" : "private"
        switch answer {
        case .playlist:
            return "\(scope), max-age=\(playlistSeconds)"
        case .blockingPlaylist(let targetDuration):
            return "\(scope), max-age=\(blockingSeconds(targetDuration: targetDuration))"
        case .resource:
            return "\(scope), max-age=\(resourceSeconds), immutable"
        }
    }

    /// Two target durations: long enough that every reader near the live edge is answered from
    /// the cache, short enough that the answer to a media sequence number is gone before a new
    /// broadcast (numbered from 0 again, under the same playlist URL) reaches that number,
    /// unless the previous broadcast lasted less than that.
    static func blockingSeconds(targetDuration: Int) -> Int {
        2 * max(targetDuration, 1)
    }

    /// Cache-Control and Vary for a 200, with the cross-origin header players need.
    static func headers(_ answer: Answer, for audience: Audience) -> HTTPHeaders {
        var headers = HTTPHeaders()
        headers.replaceOrAdd(name: .cacheControl, value: cacheControl(answer, for: audience))
        headers.replaceOrAdd(name: .vary, value: vary)
        headers.replaceOrAdd(name: .accessControlAllowOrigin, value: "*")
        return headers
    }

    /// Runs a live HLS handler and marks the errors it throws `no-store`. Other errors become
    /// 500s, which no cache keeps without being told to.
    static func uncachedErrors(_ handler: () async throws -> Response) async throws -> Response {
        do {
            return try await handler()
        } catch var error as APIError {
            error.headers.replaceOrAdd(name: .cacheControl, value: errorCacheControl)
            throw error
        }
    }
}
