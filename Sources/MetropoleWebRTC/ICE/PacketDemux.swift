import NIOCore

/// What a datagram on the shared port is, by its first byte (RFC 7983 §7) and, for RTP and
/// RTCP, its second (RFC 5761 §4: RTCP packet types 192–223 fall where RTP's marker bit and
/// payload type would).
public enum PacketKind: Sendable, Equatable {
    case stun
    case dtls
    case rtp
    case rtcp
    /// ZRTP, TURN channels, or nothing we know: dropped.
    case unknown

    public static func classify(_ datagram: ByteBuffer) -> PacketKind {
        guard let first = datagram.getInteger(at: datagram.readerIndex, as: UInt8.self) else { return .unknown }
        switch first {
        case 0...3:
            return .stun
        case 20...63:
            return .dtls
        case 128...191:
            guard let second = datagram.getInteger(at: datagram.readerIndex + 1, as: UInt8.self) else { return .unknown }
            return (192...223).contains(second) ? .rtcp : .rtp
        default:
            return .unknown
        }
    }
}
