/// Why `WebRTCIngestServer.publish` refused an offer. Each case maps to one HTTP status the
/// WHIP endpoint answers with (`httpStatus`), and its `description` is safe to send as the
/// response body: it names what is wrong without echoing secrets.
public enum WHIPError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The body is not an SDP offer we can read (400).
    case malformed(String)
    /// A readable offer asking for what we do not ingest; the text names what is missing,
    /// e.g. "no H.264 video …" (422).
    case unsupported(String)
    /// The stream key was refused (401).
    case unauthorized
    /// Too many sessions, or too many not yet connected (503 with Retry-After).
    case atCapacity
    /// The server is not started or is shutting down (503).
    case unavailable

    public var httpStatus: Int {
        switch self {
        case .malformed: 400
        case .unsupported: 422
        case .unauthorized: 401
        case .atCapacity, .unavailable: 503
        }
    }

    public var description: String {
        switch self {
        case .malformed(let reason): "malformed offer: \(reason)"
        case .unsupported(let reason): "unsupported offer: \(reason)"
        case .unauthorized: "the stream key was not accepted"
        case .atCapacity: "the server is at capacity; try again later"
        case .unavailable: "WebRTC ingest is not running"
        }
    }

    init(_ error: SDPError) {
        switch error {
        case .malformed(let reason): self = .malformed(reason)
        case .unsupported(let reason): self = .unsupported(reason)
        }
    }
}

/// A session the server accepted: the answer for the 201 body and the id for its Location.
public struct WHIPSessionDescription: Sendable, Equatable {
    /// SDP answer, `application/sdp`.
    public var answer: String
    /// Unguessable (132 bits from the system CSPRNG), URL-safe (`[A-Za-z0-9_-]`): the session
    /// URL's last component, and what `end(sessionID:)` takes.
    public var sessionID: String
    /// The app's stream the key was granted for.
    public var streamID: String
}

/// Why a session ended, for logs.
public enum WHIPEndReason: Sendable, Equatable, CustomStringConvertible {
    case deleted
    case consentExpired
    case notConnected
    case closedByPeer
    case dtlsFailed(DTLSError)
    case takenOver
    case disconnected
    case shutdown

    public var description: String {
        switch self {
        case .deleted: "the publisher sent DELETE"
        case .consentExpired: "no valid STUN or media within the consent timeout"
        case .notConnected: "ICE and DTLS did not complete in time"
        case .closedByPeer: "the publisher closed DTLS (close_notify)"
        case .dtlsFailed(let error): "\(error)"
        case .takenOver: "a newer session took over the stream"
        case .disconnected: "disconnected by the app"
        case .shutdown: "server shutting down"
        }
    }
}
