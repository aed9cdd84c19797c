import NIOCore

/// Turns the chunk stream into whole RTMP messages (Adobe RTMP spec, section 5.3).
///
/// A pure parser: `nextMessage(from:)` returns nil and leaves the buffer unread when the next
/// chunk is incomplete. It applies the control messages that change how later chunks parse
/// (SetChunkSize, Abort, WindowAcknowledgementSize) itself and still returns them.
///
/// A message that fits in one chunk is returned as a slice of the input; a longer one is
/// gathered into one buffer per chunk stream, reserved to the message length up front (up to
/// `Limits.maxUpFrontReservation`).
public struct ChunkDecoder {
    struct Limits: Sendable {
        /// Largest message accepted; the chunk header allows 16 MiB.
        var maxMessageSize: Int = 8 << 20
        /// Chunk streams tracked at once; ffmpeg and OBS use 3 to 5.
        var maxChunkStreams: Int = 16
        /// Up to this much of a message's declared length is reserved when its first chunk
        /// arrives; beyond it the buffer grows with the bytes actually received, so a hostile
        /// peer cannot make us reserve `maxChunkStreams * maxMessageSize` with a few headers.
        var maxUpFrontReservation: Int = 256 << 10
    }

    /// The header fields a chunk stream remembers for type 1, 2 and 3 chunks.
    private struct Header {
        var timestamp: UInt32 = 0
        var timestampDelta: UInt32 = 0
        var length: Int = 0
        var type = RTMPMessageType(rawValue: 0)
        var streamID: UInt32 = 0
        /// The last type 0, 1 or 2 header used an extended timestamp, so type 3 chunks carry one too.
        var hasExtendedTimestamp = false
    }

    private struct ChunkStream {
        var header = Header()
        /// The message being gathered and how many of its bytes are still missing.
        var partial: ByteBuffer?
        var remaining = 0
    }

    private enum Chunk {
        case partial
        case message(RTMPMessage)
    }

    let limits: Limits
    private(set) var chunkSize = 128
    private var streams: [UInt32: ChunkStream] = [:]

    /// Bytes of complete chunks consumed so far, for acknowledgements.
    private(set) var bytesReceived: UInt64 = 0
    /// Set by the peer's WindowAcknowledgementSize; 0 means the peer asked for none.
    private(set) var acknowledgementWindow: UInt32 = 0
    private var bytesAcknowledged: UInt64 = 0

    init(limits: Limits = Limits()) {
        self.limits = limits
    }

    /// The next complete message, or nil when more bytes are needed.
    public mutating func nextMessage(from buffer: inout ByteBuffer) throws(RTMPProtocolError) -> RTMPMessage? {
        while true {
            let start = buffer.readerIndex
            guard let chunk = try readChunk(from: &buffer) else {
                buffer.moveReaderIndex(to: start)
                return nil
            }
            bytesReceived &+= UInt64(buffer.readerIndex - start)
            if case .message(let message) = chunk {
                try apply(message)
                return message
            }
        }
    }

    /// The sequence number to acknowledge when the peer's window has been reached since the
    /// last acknowledgement.
    mutating func acknowledgementDue() -> UInt32? {
        guard acknowledgementWindow > 0, bytesReceived - bytesAcknowledged >= UInt64(acknowledgementWindow)
        else { return nil }
        bytesAcknowledged = bytesReceived
        return UInt32(truncatingIfNeeded: bytesReceived)
    }

    private mutating func apply(_ message: RTMPMessage) throws(RTMPProtocolError) {
        switch message.type {
        case .setChunkSize:
            guard let value = message.controlValue else { return }
            let size = value & 0x7FFF_FFFF
            guard size > 0 else { throw .invalidChunkSize(value) }
            chunkSize = Int(size)
        case .abort:
            guard let id = message.controlValue, streams[id] != nil else { return }
            streams[id]!.partial = nil
            streams[id]!.remaining = 0
        case .windowAcknowledgementSize:
            if let size = message.controlValue { acknowledgementWindow = size }
        default:
            break
        }
    }

    private static func readBasicHeader(_ buffer: inout ByteBuffer) -> (format: UInt8, chunkStreamID: UInt32)? {
        guard let first = buffer.readInteger(as: UInt8.self) else { return nil }
        let format = first >> 6
        switch first & 0x3F {
        case 0:
            guard let id = buffer.readInteger(as: UInt8.self) else { return nil }
            return (format, 64 + UInt32(id))
        case 1:
            guard let id = buffer.readInteger(endianness: .little, as: UInt16.self) else { return nil }
            return (format, 64 + UInt32(id))
        case let id:
            return (format, UInt32(id))
        }
    }

    private static func readUInt24(_ buffer: inout ByteBuffer) -> UInt32? {
        guard let (high, low) = buffer.readMultipleIntegers(as: (UInt8, UInt16).self) else { return nil }
        return UInt32(high) << 16 | UInt32(low)
    }

    /// Reads one chunk; nil when it is not complete in `buffer` (the caller rewinds).
    private mutating func readChunk(from buffer: inout ByteBuffer) throws(RTMPProtocolError) -> Chunk? {
        guard let (format, id) = Self.readBasicHeader(&buffer) else { return nil }
        // Copy out the header only: holding the whole entry would make appending to its
        // partial buffer copy it.
        let known = streams[id].map { (header: $0.header, remaining: $0.remaining) }
        let remaining = known?.remaining ?? 0
        var header = known?.header ?? Header()
        guard format == 0 || known != nil || format == 1 else {
            throw .missingChunkHeader(chunkStreamID: id, format: format)
        }
        guard format == 3 || remaining == 0 else { throw .interruptedMessage(chunkStreamID: id) }

        var timestampField: UInt32 = 0
        if format <= 2 {
            guard let field = Self.readUInt24(&buffer) else { return nil }
            timestampField = field
            if format <= 1 {
                guard let length = Self.readUInt24(&buffer), let type = buffer.readInteger(as: UInt8.self) else { return nil }
                header.length = Int(length)
                header.type = RTMPMessageType(rawValue: type)
                if format == 0 {
                    guard let streamID = buffer.readInteger(endianness: .little, as: UInt32.self) else { return nil }
                    header.streamID = streamID
                }
            }
            header.hasExtendedTimestamp = field == 0xFF_FFFF
        }
        if header.hasExtendedTimestamp {
            // Type 3 chunks repeat it (as ffmpeg, OBS and the spec do); only the header's counts.
            guard let extended = buffer.readInteger(as: UInt32.self) else { return nil }
            if format <= 2 { timestampField = extended }
        }

        let startsMessage = remaining == 0
        if startsMessage {
            switch format {
            case 0:
                header.timestamp = timestampField
                // Spec 5.3.1.2.4: a type 3 chunk after a type 0 uses its timestamp as the delta.
                header.timestampDelta = timestampField
            case 1, 2:
                header.timestampDelta = timestampField
                header.timestamp &+= timestampField
            default:
                header.timestamp &+= header.timestampDelta
            }
            guard header.length <= limits.maxMessageSize else {
                throw .messageTooLarge(length: header.length, limit: limits.maxMessageSize)
            }
        }
        let chunkLength = min(chunkSize, startsMessage ? header.length : remaining)
        guard let data = buffer.readSlice(length: chunkLength) else { return nil }

        if known == nil {
            guard streams.count < limits.maxChunkStreams else { throw .tooManyChunkStreams(limit: limits.maxChunkStreams) }
            streams[id] = ChunkStream()
        }
        if startsMessage {
            streams[id]!.header = header
            if chunkLength == header.length {
                return .message(RTMPMessage(type: header.type, streamID: header.streamID, timestamp: header.timestamp, payload: data))
            }
            var partial = ByteBuffer()
            partial.reserveCapacity(min(header.length, limits.maxUpFrontReservation))
            partial.writeImmutableBuffer(data)
            streams[id]!.partial = partial
            streams[id]!.remaining = header.length - chunkLength
            return .partial
        }
        streams[id]!.partial!.writeImmutableBuffer(data)
        streams[id]!.remaining -= chunkLength
        guard streams[id]!.remaining == 0, let payload = streams[id]!.partial else { return .partial }
        streams[id]!.partial = nil
        return .message(RTMPMessage(type: header.type, streamID: header.streamID, timestamp: header.timestamp, payload: payload))
    }
}

extension ChunkDecoder {
    /// A decoder with the default limits, for the load tools (Tools/LoadGenerators), which read
    /// a publisher's chunk stream as the server does.
    public init() {
        self.init(limits: Limits())
    }
}
