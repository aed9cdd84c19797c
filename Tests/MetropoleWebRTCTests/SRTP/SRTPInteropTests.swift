import NIOCore
import Testing

@testable import MetropoleWebRTC

/// Packets protected by libsrtp 2 (pylibsrtp; `Fixtures/srtp/make_srtp_fixtures.py` regenerates
/// them): we must read every one, and protecting the same plaintexts in the same order must
/// give libsrtp's bytes exactly, which shows libsrtp would read ours.
@Suite struct SRTPInteropTests {
    struct Fixture {
        var masterKey: [UInt8]
        var masterSalt: [UInt8]
        var packets: [(isRTCP: Bool, plain: ByteBuffer, protected: ByteBuffer)]
    }

    static func load(_ name: String, profile: SRTPProtectionProfile) throws -> Fixture {
        let lines = try FixtureFiles.text("srtp/\(name)").split(separator: "\n")
        let key = hex(String(try #require(lines.first).dropFirst(4)))
        try #require(key.count == profile.masterKeyLength + profile.masterSaltLength)
        let packets = lines.dropFirst().map { line in
            let fields = line.split(separator: " ")
            return (fields[0] == "rtcp", hexBuffer(String(fields[1])), hexBuffer(String(fields[2])))
        }
        return Fixture(
            masterKey: Array(key.prefix(profile.masterKeyLength)),
            masterSalt: Array(key.dropFirst(profile.masterKeyLength)),
            packets: packets
        )
    }

    @Test(arguments: [
        (SRTPProtectionProfile.aes128CMHMACSHA1_80, "libsrtp-aes128-cm-sha1-80.txt"),
        (SRTPProtectionProfile.aeadAES128GCM, "libsrtp-aead-aes128-gcm.txt"),
    ])
    func readsAndWritesWhatLibsrtpDoes(profile: SRTPProtectionProfile, file: String) throws {
        // setup
        let fixture = try Self.load(file, profile: profile)
        var receiver = try SRTPContext(profile: profile, masterKey: fixture.masterKey, masterSalt: fixture.masterSalt)
        var sender = try SRTPContext(profile: profile, masterKey: fixture.masterKey, masterSalt: fixture.masterSalt)
        #expect(fixture.packets.filter { !$0.isRTCP }.count == 12)
        #expect(fixture.packets.filter(\.isRTCP).count == 4)
        for packet in fixture.packets {
            // act
            let unprotected = packet.isRTCP
                ? try receiver.unprotectRTCP(packet.protected) : try receiver.unprotectRTP(packet.protected)
            let protected = packet.isRTCP ? try sender.protectRTCP(packet.plain) : try sender.protectRTP(packet.plain)
            // check
            #expect(unprotected == packet.plain)
            #expect(protected == packet.protected, "protected \(packet.isRTCP ? "RTCP" : "RTP") differs from libsrtp's")
        }
    }

    @Test func keyingMaterialSplitsAsRFC5764() throws {
        // setup: client key 00…, server key 10…, client salt 20…, server salt 30…
        let profile = SRTPProtectionProfile.aes128CMHMACSHA1_80
        var exported: [UInt8] = (0..<16).map { UInt8($0) }
        exported += (0..<16).map { UInt8(0x10 + $0) }
        exported += (0..<14).map { UInt8(0x20 + $0) }
        exported += (0..<14).map { UInt8(0x30 + $0) }
        // act
        let material = try SRTPKeyingMaterial(profile: profile, exported: exported)
        // check
        #expect(profile.keyingMaterialLength == 60)
        #expect(SRTPProtectionProfile.aeadAES128GCM.keyingMaterialLength == 56)
        #expect(profile.openSSLName == "SRTP_AES128_CM_SHA1_80")
        #expect(SRTPProtectionProfile.aeadAES128GCM.openSSLName == "SRTP_AEAD_AES_128_GCM")
        #expect(SRTPProtectionProfile(rawValue: 0x0007) == .aeadAES128GCM)
        #expect(material.clientMasterKey == Array(exported[0..<16]))
        #expect(material.serverMasterKey == Array(exported[16..<32]))
        #expect(material.clientMasterSalt == Array(exported[32..<46]))
        #expect(material.serverMasterSalt == Array(exported[46..<60]))
        #expect(throws: SRTPError.invalidKeyingMaterial) {
            try SRTPKeyingMaterial(profile: profile, exported: exported.dropLast())
        }
    }

    @Test func serverReadsWhatTheClientProtects() throws {
        // setup
        let exported = (0..<56).map { UInt8(truncatingIfNeeded: $0 &* 37) }
        let material = try SRTPKeyingMaterial(profile: .aeadAES128GCM, exported: exported)
        var client = try material.contexts(localRole: .client)
        var server = try material.contexts(localRole: .server)
        let packet = SRTPTestPackets.rtp(sequenceNumber: 9, payloadLength: 100)
        let rtcp = SRTPTestPackets.receiverReport()
        // act
        let fromClient = try client.outbound.protectRTP(packet)
        let fromServer = try server.outbound.protectRTCP(rtcp)
        // check
        #expect(try server.inbound.unprotectRTP(fromClient) == packet)
        #expect(try client.inbound.unprotectRTCP(fromServer) == rtcp)
        #expect(throws: SRTPError.authenticationFailed) { try server.inbound.unprotectRTCP(fromServer) }
    }
}

/// Plain packets for the SRTP tests.
enum SRTPTestPackets {
    static func rtp(sequenceNumber: UInt16, ssrc: UInt32 = 0x1234_5678, payloadLength: Int = 60) -> ByteBuffer {
        var buffer = ByteBuffer()
        RTPPacket(
            header: RTPHeader(payloadType: 96, sequenceNumber: sequenceNumber, timestamp: UInt32(sequenceNumber) * 3000, ssrc: ssrc),
            payload: ByteBuffer(bytes: (0..<payloadLength).map { UInt8(truncatingIfNeeded: $0 + Int(sequenceNumber)) })
        ).write(into: &buffer)
        return buffer
    }

    /// An RR without report blocks from SSRC 0xCAFE.
    static func receiverReport(ssrc: UInt32 = 0xCAFE) -> ByteBuffer {
        var buffer = ByteBuffer()
        buffer.writeMultipleIntegers(UInt8(0x80), UInt8(201), UInt16(1), ssrc)
        return buffer
    }
}
