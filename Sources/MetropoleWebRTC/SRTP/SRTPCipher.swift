import COpenSSL

/// AES-128 for one SRTP session key, on an OpenSSL cipher context keyed once: each packet only
/// sets its IV, so no key schedule, GCM table or buffer is made per packet (decision 0020).
/// Counter mode for AES-CM; GCM for the AEAD profile, in both directions on the same context
/// (GCM runs the block cipher forwards either way).
///
/// Not thread-safe: a context, like the `SRTPContext` holding it, belongs to one session on one
/// event loop. Copies of an `SRTPContext` share it, which is safe because no state survives a
/// call (every call starts from its IV).
final class SRTPCipher: @unchecked Sendable {
    enum Mode { case counter, gcm }

    static let gcmTagLength = 16
    let mode: Mode
    private let context: OpaquePointer

    /// `nil` only when OpenSSL cannot allocate or refuses the 16-byte key.
    init?(key: [UInt8], mode: Mode) {
        guard key.count == 16, let context = EVP_CIPHER_CTX_new() else { return nil }
        let cipher = mode == .gcm ? EVP_aes_128_gcm() : EVP_aes_128_ctr()
        guard EVP_CipherInit_ex(context, cipher, nil, key, nil, 1) == 1 else {
            EVP_CIPHER_CTX_free(context)
            return nil
        }
        self.mode = mode
        self.context = context
    }

    deinit {
        EVP_CIPHER_CTX_free(context)
    }

    /// AES-CTR from the 16-byte `iv` over `bytes`, in place (encryption and decryption alike).
    func applyKeystream(iv: UnsafeRawBufferPointer, to bytes: UnsafeMutableRawBufferPointer) {
        guard mode == .counter, iv.count == 16, !bytes.isEmpty, let base = bytes.baseAddress else { return }
        guard EVP_CipherInit_ex(context, nil, nil, nil, iv.baseAddress?.assumingMemoryBound(to: UInt8.self), 1) == 1 else { return }
        var written: Int32 = 0
        _ = EVP_CipherUpdate(context, base, &written, base, Int32(bytes.count))
    }

    /// GCM encryption of `text` in place under the 12-byte `iv`; returns the 16-byte tag.
    func seal(iv: UnsafeRawBufferPointer, aad: UnsafeRawBufferPointer, text: UnsafeMutableRawBufferPointer,
              tag: UnsafeMutableRawBufferPointer) -> Bool {
        guard mode == .gcm, tag.count == Self.gcmTagLength, start(iv: iv, aad: aad, encrypting: true),
              update(text) else { return false }
        guard finish() else { return false }
        return EVP_CIPHER_CTX_ctrl(context, EVP_CTRL_GCM_GET_TAG, Int32(Self.gcmTagLength), tag.baseAddress) == 1
    }

    /// GCM decryption of `text` in place, `true` only when `tag` matches. On a mismatch the
    /// bytes of `text` are garbage: the caller drops the packet.
    func open(iv: UnsafeRawBufferPointer, aad: UnsafeRawBufferPointer, text: UnsafeMutableRawBufferPointer,
              tag: UnsafeRawBufferPointer) -> Bool {
        guard mode == .gcm, tag.count == Self.gcmTagLength, start(iv: iv, aad: aad, encrypting: false),
              update(text) else { return false }
        // OpenSSL copies the tag; the ctrl takes a mutable pointer for historical reasons.
        guard EVP_CIPHER_CTX_ctrl(context, EVP_CTRL_GCM_SET_TAG, Int32(Self.gcmTagLength), UnsafeMutableRawPointer(mutating: tag.baseAddress)) == 1
        else { return false }
        return finish()
    }

    private func start(iv: UnsafeRawBufferPointer, aad: UnsafeRawBufferPointer, encrypting: Bool) -> Bool {
        guard iv.count == 12,
              EVP_CipherInit_ex(context, nil, nil, nil, iv.baseAddress?.assumingMemoryBound(to: UInt8.self), encrypting ? 1 : 0) == 1
        else { return false }
        guard let aadBase = aad.baseAddress, !aad.isEmpty else { return true }
        var written: Int32 = 0
        return EVP_CipherUpdate(context, nil, &written, aadBase.assumingMemoryBound(to: UInt8.self), Int32(aad.count)) == 1
    }

    /// GCM's final step writes no bytes; it gets a scratch block anyway rather than a null pointer.
    private func finish() -> Bool {
        var scratch: (UInt64, UInt64) = (0, 0)
        var written: Int32 = 0
        return withUnsafeMutableBytes(of: &scratch) { block in
            EVP_CipherFinal_ex(context, block.baseAddress?.assumingMemoryBound(to: UInt8.self), &written) == 1
        }
    }

    private func update(_ text: UnsafeMutableRawBufferPointer) -> Bool {
        guard let base = text.baseAddress?.assumingMemoryBound(to: UInt8.self), !text.isEmpty else { return true }
        var written: Int32 = 0
        return EVP_CipherUpdate(context, base, &written, base, Int32(text.count)) == 1 && Int(written) == text.count
    }
}
