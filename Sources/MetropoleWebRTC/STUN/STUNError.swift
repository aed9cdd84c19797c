/// Why bytes are not an acceptable STUN message (RFC 8489 §6, §14).
public enum STUNError: Error, Equatable, Sendable, CustomStringConvertible {
    /// Not STUN at all, or broken framing: discarded without an answer.
    case malformed(String)
    /// FINGERPRINT present but wrong: RFC 8489 §7.3 says the datagram is not STUN.
    case badFingerprint

    public var description: String {
        switch self {
        case .malformed(let reason): "malformed STUN message: \(reason)"
        case .badFingerprint: "STUN FINGERPRINT does not match the message"
        }
    }
}
