import NIOCore
import NIOTestUtils
import Testing

@testable import MetropoleRTMP

/// Writes raw chunks the way a peer would, including forms our encoder never uses.
struct ChunkWriter {
    var buffer = ByteBuffer()

    mutating func basicHeader(format: UInt8, chunkStreamID id: UInt32) {
        switch id {
        case 2..<64: buffer.writeInteger(format << 6 | UInt8(id))
        case 64..<320: buffer.writeMultipleIntegers(format << 6, UInt8(id - 64))
        default:
            buffer.writeInteger(format << 6 | 1)
            buffer.writeInteger(UInt16(id - 64), endianness: .little)
        }
    }

    mutating func uint24(_ value: UInt32) {
        buffer.writeMultipleIntegers(UInt8(value >> 16), UInt16(value & 0xFFFF))
    }

    /// A chunk header; `timestamp` is the absolute time (type 0) or delta (types 1, 2).
    /// Values from 0xFFFFFF on go into the extended field.
    mutating func header(format: UInt8, chunkStreamID: UInt32, timestamp: UInt32 = 0, length: Int = 0, type: UInt8 = 9, streamID: UInt32 = 1) {
        basicHeader(format: format, chunkStreamID: chunkStreamID)
        let extended = timestamp >= 0xFF_FFFF
        if format <= 2 { uint24(extended ? 0xFF_FFFF : timestamp) }
        if format <= 1 {
            uint24(UInt32(length))
            buffer.writeInteger(type)
        }
        if format == 0 { buffer.writeInteger(streamID, endianness: .little) }
        if extended, format <= 2 { buffer.writeInteger(timestamp) }
    }

    mutating func bytes(_ bytes: some Sequence<UInt8>) {
        buffer.writeBytes(Array(bytes))
    }
}

@Suite struct ChunkDecoderTests {
    static func payload(_ count: Int, seed: UInt8 = 0) -> [UInt8] {
        (0..<count).map { UInt8(truncatingIfNeeded: $0 &+ Int(seed)) }
    }

    func decodeAll(_ input: ByteBuffer, decoder: inout ChunkDecoder) throws -> [RTMPMessage] {
        var buffer = input
        var messages: [RTMPMessage] = []
        while let message = try decoder.nextMessage(from: &buffer) {
            messages.append(message)
        }
        #expect(buffer.readableBytes == 0)
        return messages
    }

    /// Feeds one byte at a time into a growing buffer, as a ByteToMessageHandler would.
    func decodeByteByByte(_ input: ByteBuffer) throws -> [RTMPMessage] {
        var decoder = ChunkDecoder()
        var pending = ByteBuffer()
        var messages: [RTMPMessage] = []
        for byte in input.readableBytesView {
            pending.writeInteger(byte)
            while let message = try decoder.nextMessage(from: &pending) {
                messages.append(message)
            }
        }
        return messages
    }

    /// Video on chunk stream 6 split in 128-byte chunks, audio on 4 between its chunks.
    static func interleavedInput() -> (ByteBuffer, [RTMPMessage]) {
        var writer = ChunkWriter()
        let video = payload(300, seed: 1)
        let audio = payload(20, seed: 2)
        writer.header(format: 0, chunkStreamID: 6, timestamp: 1000, length: 300, type: 9)
        writer.bytes(video[0..<128])
        writer.header(format: 0, chunkStreamID: 4, timestamp: 990, length: 20, type: 8)
        writer.bytes(audio)
        writer.header(format: 3, chunkStreamID: 6)
        writer.bytes(video[128..<256])
        writer.header(format: 2, chunkStreamID: 4, timestamp: 21)
        writer.bytes(audio)
        writer.header(format: 3, chunkStreamID: 6)
        writer.bytes(video[256...])
        let expected = [
            RTMPMessage(type: .audio, streamID: 1, timestamp: 990, payload: ByteBuffer(bytes: audio)),
            RTMPMessage(type: .audio, streamID: 1, timestamp: 1011, payload: ByteBuffer(bytes: audio)),
            RTMPMessage(type: .video, streamID: 1, timestamp: 1000, payload: ByteBuffer(bytes: video)),
        ]
        return (writer.buffer, expected)
    }

    @Test func singleChunkMessage() throws {
        // setup
        var writer = ChunkWriter()
        writer.header(format: 0, chunkStreamID: 3, timestamp: 42, length: 5, type: 20, streamID: 0)
        writer.bytes([1, 2, 3, 4, 5])
        var decoder = ChunkDecoder()
        // act
        let messages = try decodeAll(writer.buffer, decoder: &decoder)
        // check
        #expect(messages == [RTMPMessage(type: .commandAMF0, streamID: 0, timestamp: 42, payload: ByteBuffer(bytes: [1, 2, 3, 4, 5]))])
    }

    @Test func interleavedChunkStreams() throws {
        let (input, expected) = Self.interleavedInput()
        var decoder = ChunkDecoder()
        #expect(try decodeAll(input, decoder: &decoder) == expected)
        #expect(try decodeByteByByte(input) == expected)
    }

    @Test func survivesAnyFragmentation() throws {
        let (input, expected) = Self.interleavedInput()
        try ByteToMessageDecoderVerifier.verifyDecoder(inputOutputPairs: [(input, expected)]) {
            RTMPMessageDecoder()
        }
    }

    @Test func timestampDeltasAccumulate() throws {
        // setup: type 0 at 1000, type 1 +40, type 2 +33, type 3 repeats +33
        var writer = ChunkWriter()
        writer.header(format: 0, chunkStreamID: 6, timestamp: 1000, length: 2, type: 9)
        writer.bytes([1, 1])
        writer.header(format: 1, chunkStreamID: 6, timestamp: 40, length: 3, type: 9)
        writer.bytes([2, 2, 2])
        writer.header(format: 2, chunkStreamID: 6, timestamp: 33)
        writer.bytes([3, 3, 3])
        writer.header(format: 3, chunkStreamID: 6)
        writer.bytes([4, 4, 4])
        var decoder = ChunkDecoder()
        // act
        let messages = try decodeAll(writer.buffer, decoder: &decoder)
        // check
        #expect(messages.map(\.timestamp) == [1000, 1040, 1073, 1106])
        #expect(messages.map(\.payload.readableBytes) == [2, 3, 3, 3])
        #expect(messages.allSatisfy { $0.streamID == 1 && $0.type == .video })
    }

    @Test func typeThreeAfterTypeZeroUsesItsTimestampAsDelta() throws {
        // Spec 5.3.1.2.4, and what ffmpeg's writer relies on.
        var writer = ChunkWriter()
        writer.header(format: 0, chunkStreamID: 4, timestamp: 23, length: 1, type: 8)
        writer.bytes([1])
        writer.header(format: 3, chunkStreamID: 4)
        writer.bytes([2])
        var decoder = ChunkDecoder()
        #expect(try decodeAll(writer.buffer, decoder: &decoder).map(\.timestamp) == [23, 46])
    }

    @Test func extendedTimestampsIncludingOnContinuationChunks() throws {
        // setup: a 300-byte message at 0x01000000 ms: type 0 with extended field, and the
        // type 3 continuation chunks repeat it as ffmpeg and OBS send them
        let body = Self.payload(300)
        var writer = ChunkWriter()
        writer.header(format: 0, chunkStreamID: 6, timestamp: 0x0100_0000, length: 300, type: 9)
        writer.bytes(body[0..<128])
        writer.header(format: 3, chunkStreamID: 6)
        writer.buffer.writeInteger(UInt32(0x0100_0000))
        writer.bytes(body[128..<256])
        writer.header(format: 3, chunkStreamID: 6)
        writer.buffer.writeInteger(UInt32(0x0100_0000))
        writer.bytes(body[256...])
        // then a type 1 with an extended delta, then a type 3 new message reusing it
        writer.header(format: 1, chunkStreamID: 6, timestamp: 0x0100_0000, length: 1, type: 9)
        writer.bytes([7])
        writer.header(format: 3, chunkStreamID: 6)
        writer.buffer.writeInteger(UInt32(0x0100_0000))
        writer.bytes([8])
        var decoder = ChunkDecoder()
        // act
        let messages = try decodeAll(writer.buffer, decoder: &decoder)
        // check
        #expect(messages.count == 3)
        #expect(messages[0].payload == ByteBuffer(bytes: body))
        #expect(messages.map(\.timestamp) == [0x0100_0000, 0x0200_0000, 0x0300_0000])
        #expect(try decodeByteByByte(writer.buffer) == messages)
    }

    @Test func timestampsWrapAt32Bits() throws {
        var writer = ChunkWriter()
        writer.header(format: 0, chunkStreamID: 6, timestamp: 0xFFFF_FFF0, length: 1, type: 9)
        writer.bytes([1])
        writer.header(format: 2, chunkStreamID: 6, timestamp: 0x20)
        writer.bytes([2])
        var decoder = ChunkDecoder()
        #expect(try decodeAll(writer.buffer, decoder: &decoder).map(\.timestamp) == [0xFFFF_FFF0, 0x10])
    }

    @Test func setChunkSizeChangesLaterChunks() throws {
        // setup
        var writer = ChunkWriter()
        writer.header(format: 0, chunkStreamID: 2, length: 4, type: 1, streamID: 0)
        writer.buffer.writeInteger(UInt32(4096))
        let body = Self.payload(3000)
        writer.header(format: 0, chunkStreamID: 6, timestamp: 0, length: 3000, type: 9)
        writer.bytes(body)
        var decoder = ChunkDecoder()
        // act
        let messages = try decodeAll(writer.buffer, decoder: &decoder)
        // check
        #expect(decoder.chunkSize == 4096)
        #expect(messages.count == 2)
        #expect(messages[1].payload == ByteBuffer(bytes: body))
    }

    @Test func setChunkSizeZeroIsRefused() {
        var writer = ChunkWriter()
        writer.header(format: 0, chunkStreamID: 2, length: 4, type: 1, streamID: 0)
        writer.buffer.writeInteger(UInt32(0))
        var decoder = ChunkDecoder()
        #expect(throws: RTMPProtocolError.invalidChunkSize(0)) { try decodeAll(writer.buffer, decoder: &decoder) }
    }

    @Test func abortDropsThePartialMessage() throws {
        // setup: start a 300-byte message, abort it, send a fresh one on the same chunk stream
        var writer = ChunkWriter()
        writer.header(format: 0, chunkStreamID: 6, timestamp: 5, length: 300, type: 9)
        writer.bytes(Self.payload(128))
        writer.header(format: 0, chunkStreamID: 2, length: 4, type: 2, streamID: 0)
        writer.buffer.writeInteger(UInt32(6))
        writer.header(format: 0, chunkStreamID: 6, timestamp: 9, length: 2, type: 9)
        writer.bytes([9, 9])
        var decoder = ChunkDecoder()
        // act
        let messages = try decodeAll(writer.buffer, decoder: &decoder)
        // check
        #expect(messages.map(\.type) == [.abort, .video])
        #expect(messages[1].payload == ByteBuffer(bytes: [9, 9]))
    }

    @Test(arguments: [64 as UInt32, 100, 319, 320, 1000, 65_599])
    func longChunkStreamIDs(_ id: UInt32) throws {
        var writer = ChunkWriter()
        let body = Self.payload(200)
        writer.header(format: 0, chunkStreamID: id, timestamp: 7, length: 200, type: 8)
        writer.bytes(body[0..<128])
        writer.header(format: 3, chunkStreamID: id)
        writer.bytes(body[128...])
        var decoder = ChunkDecoder()
        let messages = try decodeAll(writer.buffer, decoder: &decoder)
        #expect(messages == [RTMPMessage(type: .audio, streamID: 1, timestamp: 7, payload: ByteBuffer(bytes: body))])
    }

    @Test func encoderOutputDecodes() throws {
        // setup: our encoder at 128 bytes, then after announcing 4096, with an extended timestamp
        var encoder = ChunkEncoder()
        var wire = ByteBuffer()
        let long = RTMPMessage(type: .commandAMF0, streamID: 1, timestamp: 0x0123_4567, payload: ByteBuffer(bytes: Self.payload(5000)))
        encoder.encode(long, into: &wire)
        encoder.encode(.setChunkSize(4096), into: &wire)
        encoder.encode(long, chunkStreamID: 300, into: &wire)
        // act
        var decoder = ChunkDecoder()
        let messages = try decodeAll(wire, decoder: &decoder)
        // check
        #expect(encoder.chunkSize == 4096)
        #expect(messages == [long, .setChunkSize(4096), long])
    }

    @Test func oversizedMessagesAreRefused() {
        var writer = ChunkWriter()
        writer.header(format: 0, chunkStreamID: 6, length: 0xFF_FFFF, type: 9)
        var decoder = ChunkDecoder(limits: .init(maxMessageSize: 1 << 20, maxChunkStreams: 8))
        #expect(throws: RTMPProtocolError.messageTooLarge(length: 0xFF_FFFF, limit: 1 << 20)) {
            try decodeAll(writer.buffer, decoder: &decoder)
        }
    }

    @Test func chunkStreamCountIsLimited() {
        var writer = ChunkWriter()
        for id: UInt32 in 3..<20 {
            writer.header(format: 0, chunkStreamID: id, length: 1, type: 8)
            writer.bytes([0])
        }
        var decoder = ChunkDecoder(limits: .init(maxMessageSize: 1 << 20, maxChunkStreams: 8))
        #expect(throws: RTMPProtocolError.tooManyChunkStreams(limit: 8)) { try decodeAll(writer.buffer, decoder: &decoder) }
    }

    @Test func headerlessChunkStreamsAreRefused() {
        var writer = ChunkWriter()
        writer.header(format: 2, chunkStreamID: 5, timestamp: 1)
        var decoder = ChunkDecoder()
        #expect(throws: RTMPProtocolError.missingChunkHeader(chunkStreamID: 5, format: 2)) {
            try decodeAll(writer.buffer, decoder: &decoder)
        }
    }

    @Test func newHeaderInsideAMessageIsRefused() {
        var writer = ChunkWriter()
        writer.header(format: 0, chunkStreamID: 6, length: 300, type: 9)
        writer.bytes(Self.payload(128))
        writer.header(format: 0, chunkStreamID: 6, length: 1, type: 9)
        writer.bytes([1])
        var decoder = ChunkDecoder()
        #expect(throws: RTMPProtocolError.interruptedMessage(chunkStreamID: 6)) { try decodeAll(writer.buffer, decoder: &decoder) }
    }

    @Test func acknowledgementsFollowThePeersWindow() throws {
        // setup: the peer asks for an acknowledgement every 100 bytes
        var writer = ChunkWriter()
        writer.header(format: 0, chunkStreamID: 2, length: 4, type: 5, streamID: 0)
        writer.buffer.writeInteger(UInt32(100))
        var decoder = ChunkDecoder()
        _ = try decodeAll(writer.buffer, decoder: &decoder)
        #expect(decoder.acknowledgementDue() == nil)
        // act
        var media = ChunkWriter()
        media.header(format: 0, chunkStreamID: 4, length: 100, type: 8)
        media.bytes(Self.payload(100))
        _ = try decodeAll(media.buffer, decoder: &decoder)
        // check: 16 + 112 bytes received so far
        #expect(decoder.acknowledgementDue() == 128)
        #expect(decoder.acknowledgementDue() == nil)
    }

    @Test func randomBytesNeverTrap() {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<2_000 {
            var buffer = ByteBuffer(bytes: (0..<Int.random(in: 0..<256, using: &generator)).map { _ in UInt8.random(in: 0...255, using: &generator) })
            var decoder = ChunkDecoder(limits: .init(maxMessageSize: 1 << 16, maxChunkStreams: 8))
            while (try? decoder.nextMessage(from: &buffer)) != nil {}
        }
    }
}
