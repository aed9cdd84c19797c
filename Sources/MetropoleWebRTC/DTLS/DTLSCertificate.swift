import COpenSSL
import COpenSSLShim

/// Our DTLS identity: an ECDSA P-256 key and a self-signed SHA-256 certificate, made at start
/// and shared by every session (its fingerprint goes in every answer). ECDSA, because aiortc
/// offers only ECDHE-ECDSA cipher suites. See docs/decisions/0026.
public final class DTLSCertificate: @unchecked Sendable {
    // Immutable after init; OpenSSL's objects are reference counted and safe to share for
    // reading across threads.
    let key: OpaquePointer
    let certificate: OpaquePointer
    /// `sha-256` of the DER certificate, for `a=fingerprint`.
    public let fingerprint: CertificateFingerprint

    /// A fresh key and certificate, valid for 30 days from yesterday (clock skew).
    public static func generate(commonName: String = "metropole", days: Int = 30) throws(DTLSError) -> DTLSCertificate {
        var key: OpaquePointer?
        var certificate: OpaquePointer?
        guard mtp_generate_certificate(commonName, Int32(days), &key, &certificate) == 1, let key, let certificate else {
            throw .setup("could not generate an ECDSA P-256 certificate: \(takeOpenSSLError("unknown error"))")
        }
        guard let fingerprint = Self.fingerprint(of: certificate) else {
            EVP_PKEY_free(key)
            X509_free(certificate)
            throw .setup("could not hash our certificate")
        }
        return DTLSCertificate(key: key, certificate: certificate, fingerprint: fingerprint)
    }

    private init(key: OpaquePointer, certificate: OpaquePointer, fingerprint: CertificateFingerprint) {
        self.key = key
        self.certificate = certificate
        self.fingerprint = fingerprint
    }

    deinit {
        EVP_PKEY_free(key)
        X509_free(certificate)
    }

    static func fingerprint(of certificate: OpaquePointer) -> CertificateFingerprint? {
        var digest = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        guard X509_digest(certificate, EVP_sha256(), &digest, &length) == 1, length == 32 else { return nil }
        return CertificateFingerprint(algorithm: "sha-256", bytes: Array(digest.prefix(32)))
    }
}

/// One OpenSSL DTLS context for all sessions: certificate, options and SRTP profiles.
final class DTLSContext: @unchecked Sendable {
    // SSL_CTX is safe to share once configured; sessions only call SSL_new on it.
    let context: OpaquePointer
    let certificate: DTLSCertificate

    /// Our `use_srtp` preference, which decides in OpenSSL (the server's order wins): GCM
    /// when the client has it (aiortc, Chrome), else CM-80, which every client offers.
    static let profiles: [SRTPProtectionProfile] = [.aeadAES128GCM, .aes128CMHMACSHA1_80]

    init(certificate: DTLSCertificate, profiles: [SRTPProtectionProfile] = DTLSContext.profiles) throws(DTLSError) {
        let names = profiles.map(\.openSSLName).joined(separator: ":")
        guard let context = mtp_dtls_context_new(certificate.certificate, certificate.key, names) else {
            throw .setup("could not create the DTLS context: \(takeOpenSSLError("unknown error"))")
        }
        self.context = context
        self.certificate = certificate
    }

    deinit {
        SSL_CTX_free(context)
    }
}
