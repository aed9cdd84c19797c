/// Why a packet could not be protected or unprotected. Every case is about the one packet: the
/// context stays usable, so the caller drops the packet (and may count it) and goes on.
public enum SRTPError: Error, Equatable, Sendable, CustomStringConvertible {
    /// Shorter than a header plus the authentication tag.
    case tooShort
    /// Not RTP version 2, or header fields (CSRCs, extension) running past the packet.
    case malformedHeader
    /// The tag does not match: corrupted, forged, or keyed for another session.
    case authenticationFailed
    /// Already received, or older than the replay window.
    case replayed
    /// Keying material of the wrong length for the profile.
    case invalidKeyingMaterial
    /// More SSRCs than one session may carry (`SRTPContext.maxStreams`).
    case tooManyStreams
    /// The SRTCP index space (2^31 packets) or the SRTP index space (2^48) is used up: rekey.
    case indexExhausted

    public var description: String {
        switch self {
        case .tooShort: "SRTP packet too short"
        case .malformedHeader: "malformed RTP/RTCP header"
        case .authenticationFailed: "SRTP authentication failed"
        case .replayed: "SRTP packet replayed or too old"
        case .invalidKeyingMaterial: "SRTP keying material has the wrong length for its profile"
        case .tooManyStreams: "too many SRTP streams in one session"
        case .indexExhausted: "SRTP index exhausted; the session must be rekeyed"
        }
    }
}
