import NIOCore

/// Writes the messages we send as chunks: a type 0 header, then type 3 continuation chunks.
/// We send few messages (commands and control), so header compression is not worth its state.
struct ChunkEncoder {
    private(set) var chunkSize = 128

    /// Control messages go on chunk stream 2 as the spec asks; everything else on 3.
    static func chunkStreamID(for message: RTMPMessage) -> UInt32 {
        message.type.isProtocolControl ? 2 : 3
    }

    mutating func encode(_ message: RTMPMessage, chunkStreamID: UInt32? = nil, into buffer: inout ByteBuffer) {
        let chunkStreamID = chunkStreamID ?? Self.chunkStreamID(for: message)
        let extended = message.timestamp >= 0xFF_FFFF
        var payload = message.payload
        let length = payload.readableBytes
        buffer.reserveCapacity(minimumWritableBytes: length + 16 + (length / chunkSize) * 8)

        Self.writeBasicHeader(format: 0, chunkStreamID: chunkStreamID, into: &buffer)
        Self.writeUInt24(extended ? 0xFF_FFFF : message.timestamp, into: &buffer)
        Self.writeUInt24(UInt32(length), into: &buffer)
        buffer.writeInteger(message.type.rawValue)
        buffer.writeInteger(message.streamID, endianness: .little)
        if extended { buffer.writeInteger(message.timestamp) }
        var first = true
        while first || payload.readableBytes > 0 {
            if !first {
                Self.writeBasicHeader(format: 3, chunkStreamID: chunkStreamID, into: &buffer)
                if extended { buffer.writeInteger(message.timestamp) }
            }
            first = false
            var chunk = payload.readSlice(length: min(chunkSize, payload.readableBytes))!
            buffer.writeBuffer(&chunk)
        }

        if message.type == .setChunkSize, let size = message.controlValue, size > 0 {
            chunkSize = Int(size & 0x7FFF_FFFF)
        }
    }

    private static func writeBasicHeader(format: UInt8, chunkStreamID id: UInt32, into buffer: inout ByteBuffer) {
        switch id {
        case 2..<64:
            buffer.writeInteger(format << 6 | UInt8(id))
        case 64..<320:
            buffer.writeMultipleIntegers(format << 6, UInt8(id - 64))
        default:
            buffer.writeInteger(format << 6 | 1)
            buffer.writeInteger(UInt16(id - 64), endianness: .little)
        }
    }

    private static func writeUInt24(_ value: UInt32, into buffer: inout ByteBuffer) {
        buffer.writeMultipleIntegers(UInt8(truncatingIfNeeded: value >> 16), UInt16(truncatingIfNeeded: value))
    }
}
