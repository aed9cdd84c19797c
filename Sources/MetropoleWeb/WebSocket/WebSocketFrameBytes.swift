import NIOCore
import NIOWebSocket

/// Server-to-client WebSocket frames as bytes: the one place frame headers are written. The
/// chat encodes a frame once and writes the same buffer to every socket; the player writes a
/// header before each shared media buffer. Server frames are never masked (RFC 6455 §5.1).
enum WebSocketFrameBytes {
    static func text(_ payload: ByteBuffer) -> ByteBuffer {
        frame(opcode: .text, payload: payload)
    }

    static func close(code: UInt16) -> ByteBuffer {
        var payload = ByteBuffer()
        payload.writeInteger(code)
        return frame(opcode: .connectionClose, payload: payload)
    }

    static let ping = frame(opcode: .ping, payload: ByteBuffer())

    static func pong(_ payload: ByteBuffer) -> ByteBuffer {
        frame(opcode: .pong, payload: payload)
    }

    /// A whole, final frame: header and payload in one buffer.
    static func frame(opcode: WebSocketOpcode, payload: ByteBuffer) -> ByteBuffer {
        var out = header(opcode: opcode, isFinal: true, length: payload.readableBytes, reserving: payload.readableBytes)
        var body = payload
        out.writeBuffer(&body)
        return out
    }

    /// A frame header for `length` payload bytes that follow it.
    static func header(opcode: WebSocketOpcode, isFinal: Bool, length: Int, reserving extra: Int = 0) -> ByteBuffer {
        var out = ByteBuffer()
        out.reserveCapacity(10 + extra)
        out.writeInteger((isFinal ? UInt8(0x80) : 0) | UInt8(webSocketOpcode: opcode))
        switch length {
        case ..<126:
            out.writeInteger(UInt8(length))
        case ..<65536:
            out.writeInteger(UInt8(126))
            out.writeInteger(UInt16(length))
        default:
            out.writeInteger(UInt8(127))
            out.writeInteger(UInt64(length))
        }
        return out
    }
}
