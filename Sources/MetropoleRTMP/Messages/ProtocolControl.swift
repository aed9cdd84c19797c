import NIOCore

/// User control event types (message type 4) that a publisher session meets.
enum UserControlEvent: Equatable, Sendable {
    case streamBegin(streamID: UInt32)
    case streamEOF(streamID: UInt32)
    case setBufferLength(streamID: UInt32, milliseconds: UInt32)
    case pingRequest(timestamp: UInt32)
    case pingResponse(timestamp: UInt32)
    case other(type: UInt16)

    init?(parsing payload: ByteBuffer) {
        var reader = payload
        guard let type = reader.readInteger(as: UInt16.self) else { return nil }
        switch type {
        case 0, 1, 6, 7:
            guard let value = reader.readInteger(as: UInt32.self) else { return nil }
            switch type {
            case 0: self = .streamBegin(streamID: value)
            case 1: self = .streamEOF(streamID: value)
            case 6: self = .pingRequest(timestamp: value)
            default: self = .pingResponse(timestamp: value)
            }
        case 3:
            guard let id = reader.readInteger(as: UInt32.self), let length = reader.readInteger(as: UInt32.self)
            else { return nil }
            self = .setBufferLength(streamID: id, milliseconds: length)
        default:
            self = .other(type: type)
        }
    }

    func write(to buffer: inout ByteBuffer) {
        switch self {
        case .streamBegin(let id): buffer.writeMultipleIntegers(UInt16(0), id)
        case .streamEOF(let id): buffer.writeMultipleIntegers(UInt16(1), id)
        case .setBufferLength(let id, let ms): buffer.writeMultipleIntegers(UInt16(3), id, ms)
        case .pingRequest(let ts): buffer.writeMultipleIntegers(UInt16(6), ts)
        case .pingResponse(let ts): buffer.writeMultipleIntegers(UInt16(7), ts)
        case .other(let type): buffer.writeInteger(type)
        }
    }
}

/// Builders for the protocol control messages we send.
extension RTMPMessage {
    private static func control(_ type: RTMPMessageType, _ write: (inout ByteBuffer) -> Void) -> RTMPMessage {
        var payload = ByteBuffer()
        write(&payload)
        return RTMPMessage(type: type, payload: payload)
    }

    static func setChunkSize(_ size: UInt32) -> RTMPMessage {
        control(.setChunkSize) { $0.writeInteger(size & 0x7FFF_FFFF) }
    }

    static func acknowledgement(sequenceNumber: UInt32) -> RTMPMessage {
        control(.acknowledgement) { $0.writeInteger(sequenceNumber) }
    }

    static func windowAcknowledgementSize(_ size: UInt32) -> RTMPMessage {
        control(.windowAcknowledgementSize) { $0.writeInteger(size) }
    }

    /// Limit type 2 is "dynamic".
    static func setPeerBandwidth(_ size: UInt32, limitType: UInt8 = 2) -> RTMPMessage {
        control(.setPeerBandwidth) { $0.writeMultipleIntegers(size, limitType) }
    }

    static func userControl(_ event: UserControlEvent) -> RTMPMessage {
        control(.userControl) { event.write(to: &$0) }
    }

    /// The 32-bit big-endian value that SetChunkSize, Abort, Acknowledgement and
    /// WindowAcknowledgementSize carry; nil if the payload is short.
    var controlValue: UInt32? {
        payload.getInteger(at: payload.readerIndex, as: UInt32.self)
    }
}
