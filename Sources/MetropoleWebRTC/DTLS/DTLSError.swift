import COpenSSL
import COpenSSLShim

/// Why a DTLS association could not be made or ended abnormally.
public enum DTLSError: Error, Equatable, Sendable, CustomStringConvertible {
    /// OpenSSL refused to set up (certificate, context): a server start-up failure.
    case setup(String)
    /// The handshake failed; the text is OpenSSL's reason (e.g. no shared SRTP profile).
    case handshake(String)
    /// The peer's certificate is not the one its SDP fingerprint names.
    case fingerprintMismatch(expected: CertificateFingerprint, actual: CertificateFingerprint?)
    /// The handshake finished without a `use_srtp` profile both sides support.
    case noSRTPProfile
    /// Retransmissions ran out without an answer from the peer.
    case timedOut

    public var description: String {
        switch self {
        case .setup(let reason): "DTLS setup failed: \(reason)"
        case .handshake(let reason): "DTLS handshake failed: \(reason)"
        case .fingerprintMismatch(let expected, let actual):
            "the peer's DTLS certificate is \(actual.map(\.description) ?? "missing"), not \(expected) from its offer"
        case .noSRTPProfile: "DTLS handshake negotiated no SRTP protection profile"
        case .timedOut: "DTLS handshake timed out"
        }
    }
}

/// Takes OpenSSL's oldest queued error as text (and clears the queue).
func takeOpenSSLError(_ fallback: String) -> String {
    var buffer = [CChar](repeating: 0, count: 256)
    mtp_take_error(&buffer, buffer.count)
    let text = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    ERR_clear_error()
    return text.isEmpty ? fallback : text
}
