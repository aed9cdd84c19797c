import Crypto
import NIOCore

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
        guard !range.isEmpty, let cipher = keys.cipher else { return }
        SRTPIV.withCounterIV(salt: keys.salt, ssrc: ssrc, index: index) { iv in
            packet.withUnsafeMutableReadableBytes { bytes in
                cipher.applyKeystream(iv: iv, to: UnsafeMutableRawBufferPointer(rebasing: bytes[range]))
            }
        }
    }

    /// AES-GCM: decrypts `ciphertext` in place and checks the 16-byte tag that follows it.
    /// On a mismatch the packet's bytes are garbage, and the caller drops it.
    func open(_ keys: SRTPSessionKeys, _ packet: inout ByteBuffer, ssrc: UInt32, low48: UInt64, ciphertext: Range<Int>,
              aad: AssociatedData) throws(SRTPError) {
        let tagRange = ciphertext.upperBound..<ciphertext.upperBound + tagLength
        let opened = withGCM(keys, &packet, ssrc: ssrc, low48: low48, text: ciphertext, aad: aad) { cipher, iv, aad, text, packet in
            cipher.open(iv: iv, aad: aad, text: text, tag: UnsafeRawBufferPointer(rebasing: packet[tagRange]))
        }
        guard opened else { throw .authenticationFailed }
    }

    /// AES-GCM: encrypts `plaintext` in place and appends the 16-byte tag.
    func seal(_ keys: SRTPSessionKeys, _ packet: inout ByteBuffer, ssrc: UInt32, low48: UInt64, plaintext: Range<Int>,
              aad: AssociatedData) throws(SRTPError) {
        var tag: (UInt64, UInt64) = (0, 0)
        let sealed = withUnsafeMutableBytes(of: &tag) { tag in
            withGCM(keys, &packet, ssrc: ssrc, low48: low48, text: plaintext, aad: aad) { cipher, iv, aad, text, _ in
                cipher.seal(iv: iv, aad: aad, text: text, tag: tag)
            }
        }
        // Sealing fails only when OpenSSL does, never on our input.
        guard sealed else { throw .invalidKeyingMaterial }
        withUnsafeBytes(of: &tag) { _ = packet.writeBytes($0) }
    }

    /// Runs a GCM step with the packet's IV, its associated data and its `text` bytes (and the
    /// whole packet), all without copying the packet.
    private func withGCM(
        _ keys: SRTPSessionKeys, _ packet: inout ByteBuffer, ssrc: UInt32, low48: UInt64, text: Range<Int>, aad: AssociatedData,
        _ body: (SRTPCipher, _ iv: UnsafeRawBufferPointer, _ aad: UnsafeRawBufferPointer, _ text: UnsafeMutableRawBufferPointer,
                 _ packet: UnsafeMutableRawBufferPointer) -> Bool
    ) -> Bool {
        guard let cipher = keys.cipher else { return false }
        return SRTPIV.withGCMIV(salt: keys.salt, ssrc: ssrc, low48: low48) { iv in
            packet.withUnsafeMutableReadableBytes { bytes -> Bool in
                let textBytes = UnsafeMutableRawBufferPointer(rebasing: bytes[text])
                switch aad {
                case .range(let range): return body(cipher, iv, UnsafeRawBufferPointer(rebasing: bytes[range]), textBytes, bytes)
                case .bytes(let gathered): return gathered.withUnsafeBytes { body(cipher, iv, $0, textBytes, bytes) }
                }
            }
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
