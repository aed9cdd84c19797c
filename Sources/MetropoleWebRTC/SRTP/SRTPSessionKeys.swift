import Crypto
import _CryptoExtras

/// The keys one direction of SRTP or SRTCP actually uses, derived from the master key and salt
/// (RFC 3711 §4.3; RFC 7714 §11 reuses the same KDF).
struct SRTPSessionKeys: Sendable {
    let cipherKey: SymmetricKey
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
        let master = SymmetricKey(data: masterKey)
        cipherKey = SymmetricKey(data: Self.derive(master, masterSalt: masterSalt, label: labels.cipher, length: 16))
        salt = Self.derive(master, masterSalt: masterSalt, label: labels.salt, length: profile.masterSaltLength)
        switch profile {
        case .aes128CMHMACSHA1_80:
            let auth = Self.derive(master, masterSalt: masterSalt, label: labels.auth, length: Self.authKeyLength)
            authenticator = HMAC(key: SymmetricKey(data: auth))
        case .aeadAES128GCM:
            authenticator = nil
        }
    }

    /// Session keys given directly, as the RFC 7714 test vectors state them.
    init(cipherKey: [UInt8], salt: [UInt8], authKey: [UInt8]?) {
        self.cipherKey = SymmetricKey(data: cipherKey)
        self.salt = salt
        self.authenticator = authKey.map { HMAC(key: SymmetricKey(data: $0)) }
    }

    /// The key derivation function with key_derivation_rate 0 (the only rate DTLS-SRTP uses):
    /// AES-CM keyed with the master key over `(master_salt XOR label << 48) << 16`. A 12-byte
    /// GCM salt is zero-padded to 14 bytes first, so the label still lands in byte 7, as in
    /// libsrtp.
    static func derive(_ masterKey: SymmetricKey, masterSalt: [UInt8], label: UInt8, length: Int) -> [UInt8] {
        var iv = [UInt8](repeating: 0, count: 16)
        for (offset, byte) in masterSalt.prefix(14).enumerated() {
            iv[offset] = byte
        }
        iv[7] ^= label
        var output = [UInt8](repeating: 0, count: length)
        output.withUnsafeMutableBytes { AESCounterMode.apply(key: masterKey, iv: iv, to: $0) }
        return output
    }
}

/// AES in counter mode over a buffer in place: XORs the keystream that starts at the 16-byte
/// `iv` (incremented as one 128-bit big-endian counter, which for SRTP's `…‖00 00` IVs is
/// RFC 3711's 16-bit block counter).
enum AESCounterMode {
    static func apply(key: SymmetricKey, iv: some Collection<UInt8>, to bytes: UnsafeMutableRawBufferPointer) {
        guard !bytes.isEmpty else { return }
        // Neither call can fail: the key is 16 bytes and the nonce 16 by construction.
        guard let nonce = try? AES._CTR.Nonce(nonceBytes: iv),
              let output = try? AES._CTR.encrypt(UnsafeRawBufferPointer(bytes), using: key, nonce: nonce)
        else { return }
        output.withUnsafeBytes { bytes.copyMemory(from: $0) }
    }

    /// Runs `body` with the RFC 3711 §4.1.1 IV `(salt << 16) XOR (SSRC << 64) XOR (index << 16)`,
    /// built on the stack: this runs for every packet.
    static func withSRTPIV<R>(salt: [UInt8], ssrc: UInt32, index: UInt64, _ body: (UnsafeMutableBufferPointer<UInt8>) -> R) -> R {
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
            return body(iv)
        }
    }
}

/// The RFC 7714 §8.1 / §9.1 GCM IVs: `00 00‖SSRC‖ROC‖SEQ` (SRTP) or
/// `00 00‖SSRC‖00 00‖0‖index31` (SRTCP), XORed with the 12-byte session salt.
enum GCMNonce {
    /// `low48` is the SRTP index (ROC‖SEQ) or the 31-bit SRTCP index.
    static func make(salt: [UInt8], ssrc: UInt32, low48: UInt64) -> AES.GCM.Nonce? {
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
            return try? AES.GCM.Nonce(data: UnsafeRawBufferPointer(iv))
        }
    }
}

/// Compares two tags in time that depends only on their length, so an attacker learns nothing
/// from how long a rejection took.
@inline(never)
func constantTimeEquals(_ lhs: UnsafeRawBufferPointer, _ rhs: UnsafeRawBufferPointer) -> Bool {
    guard lhs.count == rhs.count else { return false }
    var difference: UInt8 = 0
    for offset in 0..<lhs.count {
        difference |= lhs[offset] ^ rhs[offset]
    }
    return difference == 0
}
