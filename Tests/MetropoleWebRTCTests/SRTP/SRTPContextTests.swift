import NIOCore
import Testing

@testable import MetropoleWebRTC

/// Tampering, replay, the rollover counter and hostile input, for both profiles.
@Suite struct SRTPContextTests {
    static let profiles: [SRTPProtectionProfile] = [.aes128CMHMACSHA1_80, .aeadAES128GCM]

    static func pair(_ profile: SRTPProtectionProfile) throws -> (sender: SRTPContext, receiver: SRTPContext) {
        let key = (0..<16).map { UInt8(0xA0 + $0) }
        let salt = (0..<profile.masterSaltLength).map { UInt8(0x50 + $0) }
        return (try SRTPContext(profile: profile, masterKey: key, masterSalt: salt),
                try SRTPContext(profile: profile, masterKey: key, masterSalt: salt))
    }

    @Test(arguments: profiles)
    func everyFlippedBitFailsAuthentication(profile: SRTPProtectionProfile) throws {
        // setup
        var (sender, _) = try Self.pair(profile)
        let protected = try sender.protectRTP(SRTPTestPackets.rtp(sequenceNumber: 100, payloadLength: 40))
        let protectedRTCP = try sender.protectRTCP(SRTPTestPackets.receiverReport())
        for (packet, isRTCP) in [(protected, false), (protectedRTCP, true)] {
            for offset in 0..<packet.readableBytes {
                var tampered = packet
                let byte: UInt8 = tampered.getInteger(at: offset)!
                tampered.setInteger(byte ^ 0x04, at: offset)
                var (_, receiver) = try Self.pair(profile)
                // act
                let result = Result { () throws(SRTPError) in
                    isRTCP ? try receiver.unprotectRTCP(tampered) : try receiver.unprotectRTP(tampered)
                }
                // check: the header's version bits give malformedHeader, anything else fails the tag
                switch result {
                case .success: Issue.record("flipped bit at \(offset) of \(isRTCP ? "SRTCP" : "SRTP") accepted")
                case .failure(let error): #expect(error == .authenticationFailed || (offset == 0 && error == .malformedHeader))
                }
            }
            // and the untouched packet still reads
            var (_, receiver) = try Self.pair(profile)
            _ = isRTCP ? try receiver.unprotectRTCP(packet) : try receiver.unprotectRTP(packet)
        }
    }

    @Test(arguments: profiles)
    func replaysAreRefusedAndLatePacketsInTheWindowAccepted(profile: SRTPProtectionProfile) throws {
        // setup: sequence numbers 1000…1199 protected in order
        var (sender, receiver) = try Self.pair(profile)
        let packets = try (1000..<1200).map { try sender.protectRTP(SRTPTestPackets.rtp(sequenceNumber: UInt16($0))) }
        // act / check: every second packet first, then the rest late
        for index in stride(from: 0, to: 200, by: 2) {
            _ = try receiver.unprotectRTP(packets[index])
        }
        #expect(throws: SRTPError.replayed) { try receiver.unprotectRTP(packets[198]) }
        for index in stride(from: 199, to: 198 - 127, by: -2) {
            _ = try receiver.unprotectRTP(packets[index]) // within 128 of the highest (1198)
        }
        #expect(throws: SRTPError.replayed) { try receiver.unprotectRTP(packets[69]) } // 129 behind
        #expect(throws: SRTPError.replayed) { try receiver.unprotectRTP(packets[71]) } // already read
    }

    @Test(arguments: profiles)
    func rolloverCounterFollowsTheWrapAndLatePacketsFromBeforeIt(profile: SRTPProtectionProfile) throws {
        // setup: 65533…65535 then 0…2, sent as one stream (ROC 0, then 1)
        var (sender, receiver) = try Self.pair(profile)
        let sequence: [UInt16] = [65533, 65534, 65535, 0, 1, 2]
        let packets = try sequence.map { try sender.protectRTP(SRTPTestPackets.rtp(sequenceNumber: $0)) }
        // act: 65535 arrives after 0 and 1
        let order = [0, 1, 3, 4, 2, 5]
        var read: [UInt16] = []
        for index in order {
            let plain = try receiver.unprotectRTP(packets[index])
            read.append(plain.getInteger(at: plain.readerIndex + 2)!)
        }
        // check: had the ROC been guessed wrong, authentication (CM) or decryption (GCM) would fail
        #expect(read == [65533, 65534, 0, 1, 65535, 2])
        #expect(try receiver.unprotectRTP(sender.protectRTP(SRTPTestPackets.rtp(sequenceNumber: 30000))).readableBytes > 0)
    }

    @Test(arguments: profiles)
    func aForgeryDoesNotMoveTheWindow(profile: SRTPProtectionProfile) throws {
        // setup: a forged packet far ahead (it would otherwise push the window past 10 and 11)
        var (sender, receiver) = try Self.pair(profile)
        let ten = try sender.protectRTP(SRTPTestPackets.rtp(sequenceNumber: 10))
        let eleven = try sender.protectRTP(SRTPTestPackets.rtp(sequenceNumber: 11))
        var forged = try sender.protectRTP(SRTPTestPackets.rtp(sequenceNumber: 30000))
        forged.setInteger(UInt8(0xFF), at: forged.writerIndex - 1)
        // act
        _ = try receiver.unprotectRTP(ten)
        #expect(throws: SRTPError.authenticationFailed) { try receiver.unprotectRTP(forged) }
        // check
        #expect(try receiver.unprotectRTP(eleven).readableBytes > 0)
    }

    @Test(arguments: profiles)
    func rtcpIndicesCountUpWithTheEncryptedFlag(profile: SRTPProtectionProfile) throws {
        // setup
        var (sender, receiver) = try Self.pair(profile)
        var words: [UInt32] = []
        for _ in 0..<3 {
            // act
            let protected = try sender.protectRTCP(SRTPTestPackets.receiverReport())
            let offset = profile == .aeadAES128GCM ? protected.readableBytes - 4 : protected.readableBytes - 14
            words.append(protected.getInteger(at: protected.readerIndex + offset)!)
            // check
            #expect(protected.readableBytes == 8 + profile.rtcpOverhead)
            #expect(try receiver.unprotectRTCP(protected) == SRTPTestPackets.receiverReport())
        }
        #expect(words == [0x8000_0001, 0x8000_0002, 0x8000_0003])
    }

    @Test(arguments: profiles)
    func shortAndMalformedPacketsGetTypedErrors(profile: SRTPProtectionProfile) throws {
        // setup
        var (_, receiver) = try Self.pair(profile)
        // a header claiming 15 CSRCs in a 30-byte packet, and version 1
        var overrun = SRTPTestPackets.rtp(sequenceNumber: 1, payloadLength: 18)
        overrun.setInteger(UInt8(0x8F), at: 0)
        var version1 = SRTPTestPackets.rtp(sequenceNumber: 1, payloadLength: 18)
        version1.setInteger(UInt8(0x40), at: 0)
        // act / check
        #expect(throws: SRTPError.tooShort) { try receiver.unprotectRTP(ByteBuffer(bytes: [0x80, 0x60, 0, 1])) }
        #expect(throws: SRTPError.tooShort) { try receiver.unprotectRTCP(ByteBuffer(bytes: [0x80, 0xC9, 0, 1, 0, 0, 0, 1])) }
        #expect(throws: SRTPError.malformedHeader) { try receiver.unprotectRTP(overrun) }
        #expect(throws: SRTPError.malformedHeader) { try receiver.unprotectRTP(version1) }
        #expect(throws: SRTPError.invalidKeyingMaterial) {
            try SRTPContext(profile: profile, masterKey: [1, 2, 3], masterSalt: [])
        }
    }

    @Test(arguments: profiles)
    func randomBytesNeverTrap(profile: SRTPProtectionProfile) throws {
        // setup
        var (_, receiver) = try Self.pair(profile)
        var generator = SystemRandomNumberGenerator()
        var accepted = 0
        for length in 0..<400 {
            var bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &generator) }
            if !bytes.isEmpty { bytes[0] = 0x80 | bytes[0] & 0x3F }
            // act
            if (try? receiver.unprotectRTP(ByteBuffer(bytes: bytes))) != nil { accepted += 1 }
            if (try? receiver.unprotectRTCP(ByteBuffer(bytes: bytes))) != nil { accepted += 1 }
        }
        // check
        #expect(accepted == 0)
    }

    @Test func manySSRCsAreBounded() throws {
        // setup
        var (sender, receiver) = try Self.pair(.aes128CMHMACSHA1_80)
        // act
        for ssrc in 0..<UInt32(SRTPContext.maxStreams) {
            _ = try receiver.unprotectRTP(sender.protectRTP(SRTPTestPackets.rtp(sequenceNumber: 1, ssrc: ssrc)))
        }
        // check
        #expect(throws: SRTPError.tooManyStreams) {
            try receiver.unprotectRTP(sender.protectRTP(SRTPTestPackets.rtp(sequenceNumber: 1, ssrc: 0xFFFF)))
        }
    }
}
