import NIOCore
import Testing

@testable import MetropoleVideoLoad

/// The watcher over a publisher's bytes as ffmpeg sends them: handshake, a chunk size change,
/// messages split across chunks, type 1 and type 3 headers, extended timestamps and the 32-bit wrap.
@Suite struct RTMPArrivalWatcherTests {
    typealias Message = RTMPArrivalWatcher.Message

    /// A type 0 chunk header; `timestamp` above 0xFFFFFF goes into the extended field.
    static func fullHeader(chunkStream: UInt8, timestamp: UInt32, length: Int, type: UInt8) -> [UInt8] {
        let field = min(timestamp, 0xFF_FFFF)
        var bytes = [chunkStream] + uint24(field) + uint24(UInt32(length)) + [type, 1, 0, 0, 0]
        if field == 0xFF_FFFF { bytes += uint32(timestamp) }
        return bytes
    }

    static func uint24(_ value: UInt32) -> [UInt8] { [UInt8(value >> 16 & 0xFF), UInt8(value >> 8 & 0xFF), UInt8(value & 0xFF)] }
    static func uint32(_ value: UInt32) -> [UInt8] { [UInt8(value >> 24)] + uint24(value) }

    /// The stream and the messages it carries, in order.
    static let stream: (bytes: [UInt8], messages: [Message]) = {
        var bytes = [UInt8](repeating: 3, count: 1 + 1536 + 1536) // C0, C1, C2
        // SetChunkSize 4096 on chunk stream 2.
        bytes += [0x02] + uint24(0) + uint24(4) + [1, 0, 0, 0, 0] + uint32(4096)
        // A 5,000-byte video message: a full chunk, then a type 3 continuation chunk.
        bytes += fullHeader(chunkStream: 6, timestamp: 1000, length: 5000, type: 9) + [UInt8](repeating: 0x17, count: 4096)
        bytes += [0xC6] + [UInt8](repeating: 0x17, count: 904)
        // Audio on its own chunk stream.
        bytes += fullHeader(chunkStream: 4, timestamp: 1010, length: 10, type: 8) + [UInt8](repeating: 0xAF, count: 10)
        // Type 1 (delta 33), then a type 3 header opening a new message: the delta again.
        bytes += [0x46] + uint24(33) + uint24(20) + [9] + [UInt8](repeating: 0x27, count: 20)
        bytes += [0xC6] + [UInt8](repeating: 0x27, count: 20)
        // Metadata (type 18) is not media.
        bytes += fullHeader(chunkStream: 5, timestamp: 0, length: 3, type: 18) + [2, 0, 0]
        // An extended timestamp: past what the 24-bit field holds.
        bytes += fullHeader(chunkStream: 6, timestamp: 0x0100_0000, length: 2, type: 9) + [0x17, 0x01]
        let messages = [
            Message(isVideo: true, timestamp: 1000), Message(isVideo: false, timestamp: 1010),
            Message(isVideo: true, timestamp: 1033), Message(isVideo: true, timestamp: 1066),
            Message(isVideo: true, timestamp: 0x0100_0000),
        ]
        return (bytes, messages)
    }()

    @Test func reportsEachMediaMessageWithItsTimestamp() {
        // act
        var watcher = RTMPArrivalWatcher()
        let messages = watcher.consume(ByteBuffer(bytes: Self.stream.bytes))
        // check
        #expect(messages == Self.stream.messages)
        #expect(watcher.failure == nil)
    }

    @Test func reportsAMessageWhenItsLastByteArrives() {
        // setup: the first media message ends after the handshake, the SetChunkSize chunk and
        // both of its own chunks.
        let firstEnds = 3073 + 16 + (12 + 4096) + (1 + 904)
        var watcher = RTMPArrivalWatcher()
        // act, check: byte by byte, nothing until that byte, then exactly that message.
        var seen: [Message] = []
        for (offset, byte) in Self.stream.bytes.enumerated() {
            let messages = watcher.consume(ByteBuffer(bytes: [byte]))
            if offset < firstEnds - 1 { #expect(messages.isEmpty) }
            if offset == firstEnds - 1 { #expect(messages == [Self.stream.messages[0]]) }
            seen += messages
        }
        #expect(seen == Self.stream.messages)
    }

    @Test func unwrapsTimestampsAcrossTheWrapAsTheServerDoes() {
        // setup: a publisher whose clock starts just before the 32-bit wrap; +0x20 wraps to 0x10.
        var bytes = [UInt8](repeating: 3, count: 3073)
        bytes += Self.fullHeader(chunkStream: 6, timestamp: 0xFFFF_FFF0, length: 2, type: 9) + [0x17, 0x01]
        bytes += [0x46] + Self.uint24(0x20) + Self.uint24(2) + [9] + [0x27, 0x01]
        var watcher = RTMPArrivalWatcher()
        // act
        let messages = watcher.consume(ByteBuffer(bytes: bytes))
        // check
        #expect(messages == [Message(isVideo: true, timestamp: 0xFFFF_FFF0), Message(isVideo: true, timestamp: 0x1_0000_0010)])
    }

    @Test func stopsWatchingAStreamThatMakesNoSense() {
        // setup: a type 2 chunk on a chunk stream that never had a full header.
        var watcher = RTMPArrivalWatcher()
        let bytes = [UInt8](repeating: 3, count: 3073) + [0x87] + Self.uint24(10)
        // act
        let messages = watcher.consume(ByteBuffer(bytes: bytes))
        // check: it says why, and reports nothing more.
        #expect(messages.isEmpty)
        #expect(watcher.failure != nil)
        #expect(watcher.consume(ByteBuffer(bytes: Self.stream.bytes.suffix(20))).isEmpty)
    }
}
