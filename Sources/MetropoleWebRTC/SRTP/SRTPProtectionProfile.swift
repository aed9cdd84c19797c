/// The DTLS-SRTP protection profiles Metropole speaks (RFC 5764 §4.1.2, RFC 7714 §14.2).
public enum SRTPProtectionProfile: UInt16, Sendable, CaseIterable {
    /// AES-128 in counter mode, HMAC-SHA1 tags truncated to 80 bits (RFC 3711). Every client
    /// offers it; OBS and FFmpeg offer nothing else.
    case aes128CMHMACSHA1_80 = 0x0001
    /// AES-128-GCM with 16-byte tags (RFC 7714).
    case aeadAES128GCM = 0x0007

    public var masterKeyLength: Int { 16 }

    public var masterSaltLength: Int {
        switch self {
        case .aes128CMHMACSHA1_80: 14
        case .aeadAES128GCM: 12
        }
    }

    /// Bytes to export from the DTLS session (RFC 5764 §4.2): a key and a salt per direction.
    public var keyingMaterialLength: Int { 2 * (masterKeyLength + masterSaltLength) }

    /// The name OpenSSL's `SSL_CTX_set_tlsext_use_srtp` takes and `SSL_get_selected_srtp_profile` reports.
    public var openSSLName: String {
        switch self {
        case .aes128CMHMACSHA1_80: "SRTP_AES128_CM_SHA1_80"
        case .aeadAES128GCM: "SRTP_AEAD_AES_128_GCM"
        }
    }

    /// Bytes an RTP packet grows by when protected.
    public var rtpOverhead: Int {
        switch self {
        case .aes128CMHMACSHA1_80: 10
        case .aeadAES128GCM: 16
        }
    }

    /// Bytes an RTCP packet grows by when protected: the tag and the 4-byte `E|index` word.
    public var rtcpOverhead: Int { rtpOverhead + 4 }
}
