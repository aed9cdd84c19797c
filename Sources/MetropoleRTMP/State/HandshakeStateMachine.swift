import NIOCore

/// The server side of the RTMP handshake (spec section 5.2), simple scheme:
/// C0+C1 in, S0+S1+S2 out (S2 echoes C1), C2 in, done.
///
/// Publishers that send a digest ("complex") C1 (ffmpeg, OBS) accept this answer: they only
/// verify the server's digest when they play, and we never serve playback over RTMP.
struct HandshakeStateMachine {
    static let version: UInt8 = 3
    static let packetSize = 1536

    enum Action: Equatable {
        case waitForMoreData
        /// Send S0, S1 and S2 together.
        case send(ByteBuffer)
        /// C2 arrived; bytes after it in the buffer are already chunk stream.
        case complete
        case fail(String)
    }

    private enum State {
        case awaitingC0C1
        case awaitingC2
        case complete
        case failed
    }

    private var state = State.awaitingC0C1

    mutating func receive(_ buffer: inout ByteBuffer) -> Action {
        switch state {
        case .awaitingC0C1:
            guard let c0 = buffer.getInteger(at: buffer.readerIndex, as: UInt8.self) else { return .waitForMoreData }
            guard c0 == Self.version else {
                state = .failed
                return .fail(Self.describeVersion(c0))
            }
            guard buffer.readableBytes >= 1 + Self.packetSize else { return .waitForMoreData }
            buffer.moveReaderIndex(forwardBy: 1)
            let c1 = buffer.readSlice(length: Self.packetSize)!
            state = .awaitingC2
            return .send(Self.response(echoing: c1))
        case .awaitingC2:
            guard buffer.readableBytes >= Self.packetSize else { return .waitForMoreData }
            // C2 should echo S1; publishers with digest handshakes put other bytes there and
            // nothing depends on it, so it is not checked.
            buffer.moveReaderIndex(forwardBy: Self.packetSize)
            state = .complete
            return .complete
        case .complete:
            return .complete
        case .failed:
            return .fail("handshake already failed")
        }
    }

    private static func response(echoing c1: ByteBuffer) -> ByteBuffer {
        var out = ByteBuffer()
        out.reserveCapacity(1 + 2 * packetSize)
        out.writeInteger(version)
        // S1: time 0, four zero bytes, then random bytes.
        out.writeMultipleIntegers(UInt32(0), UInt32(0))
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<((packetSize - 8) / 8) {
            out.writeInteger(generator.next() as UInt64)
        }
        out.writeImmutableBuffer(c1)
        return out
    }

    private static func describeVersion(_ byte: UInt8) -> String {
        switch byte {
        case 6: "encrypted RTMP (RTMPE) is not supported; use rtmp://"
        case 0x16: "this looks like TLS; Metropole's RTMP port takes plain rtmp://"
        case UInt8(ascii: "A")...UInt8(ascii: "Z"): "this looks like HTTP or text, not RTMP"
        default: "unsupported RTMP version \(byte)"
        }
    }
}
