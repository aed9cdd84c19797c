/// Why an RTMP connection cannot go on. Each case ends only the connection that caused it.
public enum RTMPProtocolError: Error, Equatable, Sendable, CustomStringConvertible {
    case handshake(String)
    case messageTooLarge(length: Int, limit: Int)
    case tooManyChunkStreams(limit: Int)
    /// A type 1, 2 or 3 chunk on a chunk stream that never had a type 0 header.
    case missingChunkHeader(chunkStreamID: UInt32, format: UInt8)
    /// A new message header arrived before the previous message on that chunk stream ended.
    case interruptedMessage(chunkStreamID: UInt32)
    case invalidChunkSize(UInt32)

    public var description: String {
        switch self {
        case .handshake(let reason): "handshake failed: \(reason)"
        case .messageTooLarge(let length, let limit): "message of \(length) bytes exceeds the \(limit) byte limit"
        case .tooManyChunkStreams(let limit): "more than \(limit) chunk streams"
        case .missingChunkHeader(let id, let format): "type \(format) chunk on chunk stream \(id) without a preceding full header"
        case .interruptedMessage(let id): "new message on chunk stream \(id) before the previous one was complete"
        case .invalidChunkSize(let size): "invalid chunk size \(size)"
        }
    }
}
