import NIOCore

/// What a WebSocket viewer receives from `LiveSubscription`, in order: one `initSegment`, then
/// `fragments` batches (the first starts at a video keyframe), then at most one terminal case.
public enum LiveDelivery: Sendable {
    /// `ftyp` + `moov`: the first WebSocket message.
    case initSegment(ByteBuffer)
    /// Every whole fragment queued since the last delivery, oldest first; send them as one
    /// message or several. Shared buffers: do not mutate, only write.
    case fragments([Fragment])
    /// The stream ended: send `{"type":"end"}` and close.
    case end
    /// The viewer fell too far behind too often and was cut off.
    case dropped
    /// The publisher changed codec configuration; close without `end` so the player
    /// reconnects and receives the new init segment.
    case restart

    var isTerminal: Bool {
        switch self {
        case .end, .dropped, .restart: true
        case .initSegment, .fragments: false
        }
    }
}
