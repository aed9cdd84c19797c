/// Why the server closes a WebSocket. The browser code reads the same names from
/// `Public/js/close-codes.js`; `WebSocketCloseCodeTests` keeps the two lists equal.
enum WebSocketCloseCode: UInt16, CaseIterable, Sendable {
    /// The conversation is over (the stream ended, the client said goodbye).
    case normal = 1000
    /// The server is stopping, or the peer stopped answering pings: reconnect.
    case goingAway = 1001
    /// A malformed frame.
    case protocolError = 1002
    /// The reader fell too far behind (`SlowReaderPolicy`): reconnect and start from now.
    case tooSlow = 1008
    /// A frame larger than the socket accepts.
    case messageTooBig = 1009
    /// The streamer kicked or blocked this viewer: do not reconnect.
    case ejected = 4003

    /// The name the browser code uses.
    var name: String {
        switch self {
        case .normal: "NORMAL"
        case .goingAway: "GOING_AWAY"
        case .protocolError: "PROTOCOL_ERROR"
        case .tooSlow: "TOO_SLOW"
        case .messageTooBig: "MESSAGE_TOO_BIG"
        case .ejected: "EJECTED"
        }
    }
}
