import NIOCore
import NIOEmbedded
import NIOWebSocket
import Testing

@testable import MetropoleChatLoad

/// The raw readers' hand-rolled framing against NIO's: what NIO's encoder writes (as the
/// server's chat socket does) parses back, and what the readers send NIO's decoder accepts.
@Suite struct RawFramesTests {
    /// Frames as NIO's `WebSocketFrameEncoder` puts them on the wire.
    static func encoded(_ frames: [WebSocketFrame]) throws -> [UInt8] {
        let channel = EmbeddedChannel(handler: WebSocketFrameEncoder())
        var bytes: [UInt8] = []
        for frame in frames {
            try channel.writeOutbound(frame)
            while let part = try channel.readOutbound(as: ByteBuffer.self) {
                bytes += part.readableBytesView
            }
        }
        _ = try channel.finish()
        return bytes
    }

    static func frame(_ opcode: WebSocketOpcode, length: Int, masked: Bool = false) -> WebSocketFrame {
        let payload = ByteBuffer(bytes: (0..<length).map { UInt8(truncatingIfNeeded: $0 * 7) })
        return WebSocketFrame(fin: true, opcode: opcode, maskKey: masked ? .random() : nil, data: payload)
    }

    // Lengths at each edge of the 7-bit, 16-bit and 64-bit length encodings.
    @Test(arguments: [0, 1, 125, 126, 300, 65_535, 65_536, 70_000])
    func parsesEveryLengthEncodingNIOWrites(length: Int) throws {
        // setup
        let frame = Self.frame(.text, length: length)
        let bytes = try Self.encoded([frame])
        // act
        let parsed = bytes.withUnsafeBytes { RawFrames.frame(in: $0) }
        // check
        let found = try #require(parsed)
        #expect(found.opcode == 0x1)
        #expect(found.end == bytes.count)
        #expect(Array(bytes[found.payloadStart..<found.end]) == Array(frame.data.readableBytesView))
    }

    @Test func waitsForTheWholeFrame() throws {
        // setup
        let bytes = try Self.encoded([Self.frame(.binary, length: 300)])
        // act, check: every proper prefix is incomplete.
        for count in 0..<bytes.count {
            #expect(bytes.prefix(count).withUnsafeBytes { RawFrames.frame(in: $0) } == nil)
        }
    }

    @Test func walksFramesBackToBackAndSkipsAMaskKey() throws {
        // setup: a text frame, a ping, a masked binary frame and a close, in one read.
        let frames = [Self.frame(.text, length: 40), Self.frame(.ping, length: 4), Self.frame(.binary, length: 200, masked: true),
                      Self.frame(.connectionClose, length: 2)]
        let bytes = try Self.encoded(frames)
        // act
        var opcodes: [UInt8] = []
        var offset = 0
        while let frame = bytes[offset...].withUnsafeBytes({ RawFrames.frame(in: $0) }) {
            opcodes.append(frame.opcode)
            offset += frame.end
        }
        // check
        #expect(opcodes == [0x1, 0x9, 0x2, 0x8])
        #expect(offset == bytes.count)
    }

    @Test func pongsAreMaskedFramesNIOAccepts() throws {
        // setup
        let ping: [UInt8] = Array("keepalive-17".utf8)
        // act
        let pong = try #require(ping.withUnsafeBytes { RawFrames.maskedClientFrame(opcode: 0xA, payload: $0) })
        let channel = EmbeddedChannel(handler: ByteToMessageHandler(WebSocketFrameDecoder()))
        try channel.writeInbound(ByteBuffer(bytes: pong))
        let decoded = try #require(try channel.readInbound(as: WebSocketFrame.self))
        // check
        #expect(decoded.opcode == .pong && decoded.fin)
        #expect(decoded.maskKey != nil, "a client frame must be masked (RFC 6455 5.3)")
        #expect(Array(decoded.unmaskedData.readableBytesView) == ping)
        #expect([UInt8](repeating: 0, count: 126).withUnsafeBytes { RawFrames.maskedClientFrame(opcode: 0xA, payload: $0) } == nil)
        _ = try channel.finish()
    }

    @Test func readsTheUpgradeAnswer() {
        // setup
        let answer = Array("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n".utf8) + [0x81, 0x00]
        let refused = Array("HTTP/1.1 403 Forbidden\r\ncontent-length: 0\r\n\r\n".utf8)
        // act, check
        answer.withUnsafeBytes { bytes in
            #expect(RawFrames.headerEnd(in: bytes) == answer.count - 2)
            #expect(RawFrames.isSwitchingProtocols(bytes))
        }
        refused.withUnsafeBytes { #expect(!RawFrames.isSwitchingProtocols($0)) }
        answer.prefix(30).withUnsafeBytes { #expect(RawFrames.headerEnd(in: $0) == nil) }
    }
}
