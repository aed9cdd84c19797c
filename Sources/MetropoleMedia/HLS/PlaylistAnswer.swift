/// What the web layer should send for a playlist request.
public enum PlaylistAnswer: Sendable, Equatable {
    /// 200 with `application/vnd.apple.mpegurl`.
    case playlist(String)
    /// 400: `_HLS_msn` more than two segments past the live edge, or `_HLS_part` without
    /// `_HLS_msn` (RFC 8216bis 6.2.5.2).
    case badRequest
    /// 503, retry later: nothing to list yet, or the requested segment or part did not appear
    /// within the hold time. Answering a held request with an unchanged playlist instead would
    /// make AVPlayer report invalid blocking-reload behaviour.
    case unavailable
}
