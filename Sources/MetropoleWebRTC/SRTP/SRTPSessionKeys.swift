import Crypto

/// The keys one direction of SRTP or SRTCP actually uses, derived from the master key and salt
/// (RFC 3711 §4.3; RFC 7714 §11 reuses the same KDF).
struct SRTPSessionKeys: Sendable {
    /// The session cipher key, set up once in an OpenSSL context (counter mode or GCM by
    /// profile); `nil` only if OpenSSL could not allocate one, which fails every packet.
    let cipher: SRTPCipher?
    /// 14 bytes for AES-CM, 12 for GCM.
    let salt: [UInt8]
    /// HMAC-SHA1 keyed once with the auth key; each packet starts from a copy of it, which
    /// skips the per-packet key padding. `nil` for GCM, whose tag comes from the cipher.
    let authenticator: HMAC<Insecure.SHA1>?

    /// The RFC 3711 §4.3.3 labels.
    enum Labels {
        case rtp
        case rtcp

        var cipher: UInt8 { self == .rtp ? 0x00 : 0x03 }
        var auth: UInt8 { self == .rtp ? 0x01 : 0x04 }
        var salt: UInt8 { self == .rtp ? 0x02 : 0x05 }
    }

    static let authKeyLength = 20

    init(profile: SRTPProtectionProfile, masterKey: [UInt8], masterSalt: [UInt8], labels: Labels) {
        let master = SRTPCipher(key: masterKey, mode: .counter)
        let cipherKey = Self.derive(master, masterSalt: masterSalt, label: labels.cipher, length: 16)
        salt = Self.derive(master, masterSalt: masterSalt, label: labels.salt, length: profile.masterSaltLength)
        switch profile {
        case .aes128CMHMACSHA1_80:
            cipher = SRTPCipher(key: cipherKey, mode: .counter)
            let auth = Self.derive(master, masterSalt: masterSalt, label: labels.auth, length: Self.authKeyLength)
            authenticator = HMAC(key: SymmetricKey(data: auth))
        case .aeadAES128GCM:
            cipher = SRTPCipher(key: cipherKey, mode: .gcm)
            authenticator = nil
        }
    }

    /// Session keys given directly, as the RFC 7714 test vectors state them.
    init(cipherKey: [UInt8], salt: [UInt8], authKey: [UInt8]?) {
        self.cipher = SRTPCipher(key: cipherKey, mode: authKey == nil ? .gcm : .counter)
        self.salt = salt
        self.authenticator = authKey.map { HMAC(key: SymmetricKey(data: $0)) }
    }

    /// The key derivation function with key_derivation_rate 0 (the only rate DTLS-SRTP uses):
    /// AES-CM keyed with the master key over `(master_salt XOR label << 48) << 16`. A 12-byte
    /// GCM salt is zero-padded to 14 bytes first, so the label still lands in byte 7, as in
    /// libsrtp.
    static func derive(_ master: SRTPCipher?, masterSalt: [UInt8], label: UInt8, length: Int) -> [UInt8] {
        var iv = [UInt8](repeating: 0, count: 16)
        for (offset, byte) in masterSalt.prefix(14).enumerated() {
            iv[offset] = byte
        }
        iv[7] ^= label
        var output = [UInt8](repeating: 0, count: length)
        iv.withUnsafeBytes { iv in
            output.withUnsafeMutableBytes { master?.applyKeystream(iv: iv, to: $0) }
        }
        return output
    }
}

/// The RFC 3711 §4.1.1 AES-CM IV and the RFC 7714 GCM IVs, built on the stack: this runs for
/// every packet.
enum SRTPIV {
    /// `(salt << 16) XOR (SSRC << 64) XOR (index << 16)`, 16 bytes; its low 16 bits are the
    /// block counter, which a 128-bit increment never carries out of below 1 MiB.
    static func withCounterIV<R>(salt: [UInt8], ssrc: UInt32, index: UInt64, _ body: (UnsafeRawBufferPointer) -> R) -> R {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 16) { iv in
            iv.initialize(repeating: 0)
            for offset in 0..<min(14, salt.count) {
                iv[offset] = salt[offset]
            }
            for shift in 0..<4 {
                iv[4 + shift] ^= UInt8(truncatingIfNeeded: ssrc >> (24 - 8 * shift))
            }
            for shift in 0..<6 {
                iv[8 + shift] ^= UInt8(truncatingIfNeeded: index >> (40 - 8 * shift))
            }
            return body(UnsafeRawBufferPointer(iv))
        }
    }

    /// RFC 7714 §8.1 / §9.1: `00 00‖SSRC‖ROC‖SEQ` (SRTP) or `00 00‖SSRC‖00 00‖0‖index31`
    /// (SRTCP), XORed with the 12-byte session salt. `low48` is the SRTP index (ROC‖SEQ) or
    /// the 31-bit SRTCP index.
    static func withGCMIV<R>(salt: [UInt8], ssrc: UInt32, low48: UInt64, _ body: (UnsafeRawBufferPointer) -> R) -> R {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 12) { iv in
            iv.initialize(repeating: 0)
            for shift in 0..<4 {
                iv[2 + shift] = UInt8(truncatingIfNeeded: ssrc >> (24 - 8 * shift))
            }
            for shift in 0..<6 {
                iv[6 + shift] = UInt8(truncatingIfNeeded: low48 >> (40 - 8 * shift))
            }
            for offset in 0..<min(12, salt.count) {
                iv[offset] ^= salt[offset]
            }
            return body(UnsafeRawBufferPointer(iv))
        }
    }
}
