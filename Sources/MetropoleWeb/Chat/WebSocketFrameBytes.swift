import NIOCore
import NIOWebSocket

/// Whole server-to-client WebSocket frames as bytes. The chat encodes a frame once and writes
/// the same buffer to every socket, so it builds frames itself instead of handing each socket a
/// `WebSocketFrame` to encode again. Server frames are never masked (RFC 6455 §5.1).
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

    static func frame(opcode: WebSocketOpcode, payload: ByteBuffer) -> ByteBuffer {
        let length = payload.readableBytes
        var out = ByteBuffer()
        out.reserveCapacity(length + 10)
        out.writeInteger(UInt8(0x80) | UInt8(webSocketOpcode: opcode))
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
        var body = payload
        out.writeBuffer(&body)
        return out
    }
}
