import Crypto
import NIOCore
import Testing

@testable import MetropoleWebRTC

/// The published test vectors: RFC 3711 appendix B (AES-CM keystream, key derivation) and
/// RFC 7714 §16–17 (AES-GCM SRTP and SRTCP).
@Suite struct SRTPVectorTests {
    @Test func aesCounterModeKeystreamMatchesRFC3711B2() throws {
        // setup: session key and the IV of SSRC 0, index 0 with salt F0…FD
        let cipher = try #require(SRTPCipher(key: hex("2B7E151628AED2A6ABF7158809CF4F3C"), mode: .counter))
        var keystream = [UInt8](repeating: 0, count: 0xFF02 * 16)
        // act
        SRTPIV.withCounterIV(salt: hex("F0F1F2F3F4F5F6F7F8F9FAFBFCFD"), ssrc: 0, index: 0) { iv in
            keystream.withUnsafeMutableBytes { cipher.applyKeystream(iv: iv, to: $0) }
        }
        // check: the first three blocks and the three around the 16-bit counter's top
        func block(_ n: Int) -> [UInt8] { Array(keystream[n * 16..<(n + 1) * 16]) }
        #expect(block(0) == hex("E03EAD0935C95E80E166B16DD92B4EB4"))
        #expect(block(1) == hex("D23513162B02D0F72A43A2FE4A5F97AB"))
        #expect(block(2) == hex("41E95B3BB0A2E8DD477901E4FCA894C0"))
        #expect(block(0xFEFF) == hex("EC8CDF7398607CB0F2D21675EA9EA1E4"))
        #expect(block(0xFF00) == hex("362B7C3C6773516318A077D7FC5073AE"))
        #expect(block(0xFF01) == hex("6A2CC3787889374FBEB4C81B17BA6C44"))
    }

    @Test func keyDerivationMatchesRFC3711B3() {
        // setup
        let master = SRTPCipher(key: hex("E1F97A0D3E018BE0D64FA32C06DE4139"), mode: .counter)
        let salt = hex("0EC675AD498AFEEBB6960B3AABE6")
        // act
        let cipher = SRTPSessionKeys.derive(master, masterSalt: salt, label: 0x00, length: 16)
        let sessionSalt = SRTPSessionKeys.derive(master, masterSalt: salt, label: 0x02, length: 14)
        let auth = SRTPSessionKeys.derive(master, masterSalt: salt, label: 0x01, length: 94)
        // check
        #expect(cipher == hex("C61E7A93744F39EE10734AFE3FF7A087"))
        #expect(sessionSalt == hex("30CBBC08863D8C85D49DB34A9AE1"))
        #expect(auth == hex("""
            CEBE321F6FF7716B6FD4AB49AF256A156D38BAA48F0A0ACF3C34E2359E6CDBCEE049646C43D9327AD175578EF7227098
            6371C10C9A369AC2F94A8C5FBCDDDC256D6E919A48B610EF17C2041E474035766B68642C59BBFC2F34DB60DBDFB2
            """))
    }

    static let gcmKey = hex("000102030405060708090a0b0c0d0e0f")
    static let gcmSalt = hex("517569642070726f2071756f")

    static func rfc7714Context() -> SRTPContext {
        let keys = SRTPSessionKeys(cipherKey: gcmKey, salt: gcmSalt, authKey: nil)
        return SRTPContext(profile: .aeadAES128GCM, rtpKeys: keys, rtcpKeys: keys)
    }

    static let rtp = """
        8040f17b 8041f8d3 5501a0b2 47616c6c 69612065 7374206f 6d6e6973 20646976
        69736120 696e2070 61727465 73207472 6573
        """
    static let protectedRTP = """
        8040f17b 8041f8d3 5501a0b2 f24de3a3 fb34de6c acba861c 9d7e4bca be633bd5
        0d294e6f 42a5f47a 51c7d19b 36de3adf 8833899d 7f27beb1 6a9152cf 765ee439 0cce
        """

    @Test func gcmProtectsRTPAsRFC7714Section16() throws {
        var sender = Self.rfc7714Context()
        var receiver = Self.rfc7714Context()
        // act
        let protected = try sender.protectRTP(hexBuffer(Self.rtp))
        let unprotected = try receiver.unprotectRTP(hexBuffer(Self.protectedRTP))
        // check
        #expect(protected.hexString == hexBuffer(Self.protectedRTP).hexString)
        #expect(unprotected.hexString == hexBuffer(Self.rtp).hexString)
    }

    static let rtcp = """
        81c8000d 4d617273 4e545031 4e545032 52545020 0000042a 0000e930 4c756e61
        deadbeef deadbeef deadbeef deadbeef deadbeef
        """

    @Test func gcmUnprotectsRTCPAsRFC7714Section17() throws {
        // setup: the encrypted (E=1) and authenticated-only (E=0) vectors for SRTCP index 0x5d4
        let encrypted = """
            81c8000d 4d617273 63e94885 dcdab67c a727d766 2f6b7e99 7ff5c0f7 6c06f32d
            c676a5f1 730d6fda 4ce09b46 86303ded 0bb9275b c84aa458 96cf4d2f c5abf872
            45d9eade 800005d4
            """
        let authenticatedOnly = """
            81c8000d 4d617273 4e545031 4e545032 52545020 0000042a 0000e930 4c756e61
            deadbeef deadbeef deadbeef deadbeef deadbeef 841dd968 3dd78ec9 2ae58790
            125f62b3 000005d4
            """
        var receiver = Self.rfc7714Context()
        var other = Self.rfc7714Context()
        // act
        let fromEncrypted = try receiver.unprotectRTCP(hexBuffer(encrypted))
        let fromClear = try other.unprotectRTCP(hexBuffer(authenticatedOnly))
        // check
        #expect(fromEncrypted.hexString == hexBuffer(Self.rtcp).hexString)
        #expect(fromClear.hexString == hexBuffer(Self.rtcp).hexString)
        #expect(throws: SRTPError.replayed) { try receiver.unprotectRTCP(hexBuffer(encrypted)) }
    }
}
