import MetropoleRTMP
import NIOCore

/// Follows a publisher's side of an RTMP connection (C0, C1, C2, then the chunk stream) and
/// reports each audio and video message as its last chunk arrives, with its timestamp.
///
/// The chunk stream is read by the server's own `ChunkDecoder`, and timestamps are unwrapped by
/// its `TimestampUnwrapper` over the same sequence of media messages the server sees, so a
/// timestamp here is exactly the decode time (in ms) the server puts in that frame's `tfdt`.
struct RTMPArrivalWatcher {
    struct Message: Equatable {
        var isVideo: Bool
        var timestamp: Int64
    }

    /// C0 + C1 + C2 from the client: the server answers them; a watcher only skips them.
    private var handshakeLeft = 1 + 1536 + 1536
    private var decoder = ChunkDecoder()
    private var timestamps = TimestampUnwrapper()
    /// Bytes of a chunk not complete yet.
    private var pending = ByteBuffer()
    /// Set when the stream stopped making sense; the relay goes on, the watching stops.
    private(set) var failure: RTMPProtocolError?

    mutating func consume(_ buffer: ByteBuffer) -> [Message] {
        guard failure == nil else { return [] }
        var bytes = buffer
        if handshakeLeft > 0 {
            let skipped = min(handshakeLeft, bytes.readableBytes)
            handshakeLeft -= skipped
            bytes.moveReaderIndex(forwardBy: skipped)
        }
        pending.writeBuffer(&bytes)
        var messages: [Message] = []
        do {
            while let message = try decoder.nextMessage(from: &pending) {
                guard message.type == .audio || message.type == .video else { continue }
                messages.append(Message(isVideo: message.type == .video, timestamp: timestamps.unwrap(message.timestamp)))
            }
        } catch {
            failure = error
        }
        pending.discardReadBytes()
        return messages
    }
}
