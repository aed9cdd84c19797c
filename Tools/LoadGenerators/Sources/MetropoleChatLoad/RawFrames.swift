/// Just enough RFC 6455 framing for a raw reader: server frames in, masked control frames out.
///
/// Hand-rolled on purpose: NIO's `WebSocketFrameDecoder` and `WebSocketFrameEncoder` run only
/// inside a channel pipeline, and these readers exist to have none (readers on NIO pipelines
/// cost the generator 81% of a core at 10 msg/s to 10,000 sockets, raw readers 28%;
/// docs/benchmarks.md, Chat). The tests check this framing against NIO's encoder and decoder.
enum RawFrames {
    struct Frame {
        var opcode: UInt8
        var payloadStart: Int
        var end: Int
    }

    /// The whole frame at the start of `bytes`, or nil while it is incomplete.
    static func frame(in bytes: UnsafeRawBufferPointer) -> Frame? {
        guard bytes.count >= 2 else { return nil }
        let opcode = bytes[0] & 0x0F
        let masked = bytes[1] & 0x80 != 0
        var length = Int(bytes[1] & 0x7F)
        var header = 2
        if length == 126 {
            guard bytes.count >= 4 else { return nil }
            length = Int(bytes[2]) << 8 | Int(bytes[3])
            header = 4
        } else if length == 127 {
            guard bytes.count >= 10 else { return nil }
            length = (2..<10).reduce(0) { $0 << 8 | Int(bytes[$1]) }
            header = 10
        }
        if masked { header += 4 }
        guard length >= 0, bytes.count - header >= length else { return nil }
        return Frame(opcode: opcode, payloadStart: header, end: header + length)
    }

    /// Offset just past the `\r\n\r\n` that ends the HTTP response head.
    static func headerEnd(in bytes: UnsafeRawBufferPointer) -> Int? {
        guard bytes.count >= 4 else { return nil }
        for index in 3..<bytes.count where bytes[index] == 0x0A && bytes[index - 1] == 0x0D
            && bytes[index - 2] == 0x0A && bytes[index - 3] == 0x0D {
            return index + 1
        }
        return nil
    }

    static func isSwitchingProtocols(_ bytes: UnsafeRawBufferPointer) -> Bool {
        let prefix = Array("HTTP/1.1 101".utf8)
        return bytes.count >= prefix.count && zip(bytes, prefix).allSatisfy { $0 == $1 }
    }

    /// A client frame must be masked (RFC 6455 §5.3); a zero mask keeps the payload as it is.
    /// Nil for a payload too long for a control frame (at most 125 bytes).
    static func maskedClientFrame(opcode: UInt8, payload: UnsafeRawBufferPointer) -> [UInt8]? {
        guard payload.count < 126 else { return nil }
        return [0x80 | opcode, 0x80 | UInt8(payload.count), 0, 0, 0, 0] + payload
    }
}
