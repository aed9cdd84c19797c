import Crypto
import NIOCore
import _CryptoExtras

/// The per-packet cryptographic steps behind `SRTPContext`. Ranges and lengths are relative to
/// the packet's reader index.
extension SRTPContext {
    enum AssociatedData {
        /// Bytes of the packet itself (the RTP header).
        case range(Range<Int>)
        /// Bytes gathered from several places (SRTCP header and E|index word).
        case bytes([UInt8])
    }

    /// HMAC-SHA1 over the first `authenticated` bytes (and the ROC for SRTP), compared in
    /// constant time with the 80-bit tag that follows them.
    func verifyTag(_ keys: SRTPSessionKeys, _ packet: ByteBuffer, authenticated: Int, rolloverCounter: UInt32?) -> Bool {
        guard var mac = keys.authenticator else { return false }
        return packet.withUnsafeReadableBytes { bytes in
            mac.update(data: UnsafeRawBufferPointer(rebasing: bytes[0..<authenticated]))
            if let rolloverCounter {
                withUnsafeBytes(of: rolloverCounter.bigEndian) { mac.update(data: $0) }
            }
            let received = UnsafeRawBufferPointer(rebasing: bytes[authenticated..<authenticated + tagLength])
            return mac.finalize().withUnsafeBytes { computed in
                constantTimeEquals(UnsafeRawBufferPointer(rebasing: computed[0..<tagLength]), received)
            }
        }
    }

    /// Appends the 80-bit HMAC-SHA1 tag of everything readable (and the ROC for SRTP).
    func appendTag(_ keys: SRTPSessionKeys, _ packet: inout ByteBuffer, rolloverCounter: UInt32?) {
        guard var mac = keys.authenticator else { return }
        packet.withUnsafeReadableBytes { mac.update(data: $0) }
        if let rolloverCounter {
            withUnsafeBytes(of: rolloverCounter.bigEndian) { mac.update(data: $0) }
        }
        let length = tagLength
        mac.finalize().withUnsafeBytes { _ = packet.writeBytes(UnsafeRawBufferPointer(rebasing: $0[0..<length])) }
    }

    /// AES-CM encryption and decryption (the same operation) of `range`, in place.
    func xorKeystream(_ keys: SRTPSessionKeys, _ packet: inout ByteBuffer, range: Range<Int>, ssrc: UInt32, index: UInt64) {
        guard !range.isEmpty else { return }
        AESCounterMode.withSRTPIV(salt: keys.salt, ssrc: ssrc, index: index) { iv in
            packet.withUnsafeMutableReadableBytes { bytes in
                AESCounterMode.apply(key: keys.cipherKey, iv: iv, to: UnsafeMutableRawBufferPointer(rebasing: bytes[range]))
            }
        }
    }

    /// AES-GCM: checks the 16-byte tag that follows `ciphertext` and, only if it matches,
    /// writes the plaintext over the ciphertext (BoringSSL's open releases nothing before the
    /// tag is verified).
    func open(_ keys: SRTPSessionKeys, _ packet: inout ByteBuffer, nonce: AES.GCM.Nonce, ciphertext: Range<Int>,
              aad: AssociatedData) throws(SRTPError) {
        let tagLength = tagLength
        let opened = packet.withUnsafeMutableReadableBytes { bytes -> Bool in
            let whole = UnsafeRawBufferPointer(bytes)
            let cipherBytes = UnsafeRawBufferPointer(rebasing: whole[ciphertext])
            let tag = UnsafeRawBufferPointer(rebasing: whole[ciphertext.upperBound..<ciphertext.upperBound + tagLength])
            guard let box = try? AES.GCM.SealedBox(nonce: nonce, ciphertext: cipherBytes, tag: tag) else { return false }
            let plaintext = switch aad {
            case .range(let range): try? AES.GCM.open(box, using: keys.cipherKey, authenticating: UnsafeRawBufferPointer(rebasing: whole[range]))
            case .bytes(let gathered): try? AES.GCM.open(box, using: keys.cipherKey, authenticating: gathered)
            }
            guard let plaintext, plaintext.count == ciphertext.count else { return false }
            plaintext.withUnsafeBytes { UnsafeMutableRawBufferPointer(rebasing: bytes[ciphertext]).copyMemory(from: $0) }
            return true
        }
        guard opened else { throw .authenticationFailed }
    }

    /// AES-GCM: encrypts `plaintext` in place and appends the 16-byte tag.
    func seal(_ keys: SRTPSessionKeys, _ packet: inout ByteBuffer, nonce: AES.GCM.Nonce, plaintext: Range<Int>,
              aad: AssociatedData) throws(SRTPError) {
        let tagLength = tagLength
        var tag = (UInt64(0), UInt64(0))
        let sealed = packet.withUnsafeMutableReadableBytes { bytes -> Bool in
            let whole = UnsafeRawBufferPointer(bytes)
            let clear = UnsafeRawBufferPointer(rebasing: whole[plaintext])
            let box = switch aad {
            case .range(let range): try? AES.GCM.seal(clear, using: keys.cipherKey, nonce: nonce, authenticating: UnsafeRawBufferPointer(rebasing: whole[range]))
            case .bytes(let gathered): try? AES.GCM.seal(clear, using: keys.cipherKey, nonce: nonce, authenticating: gathered)
            }
            guard let box, box.ciphertext.count == plaintext.count, box.tag.count == tagLength else { return false }
            box.ciphertext.withUnsafeBytes { UnsafeMutableRawBufferPointer(rebasing: bytes[plaintext]).copyMemory(from: $0) }
            withUnsafeMutableBytes(of: &tag) { target in box.tag.withUnsafeBytes { target.copyMemory(from: $0) } }
            return true
        }
        // Sealing fails only on a bad key or nonce size, which the context never makes.
        guard sealed else { throw .invalidKeyingMaterial }
        withUnsafeBytes(of: &tag) { _ = packet.writeBytes($0) }
    }
}
