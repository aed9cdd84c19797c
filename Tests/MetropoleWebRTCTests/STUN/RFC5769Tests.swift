import NIOCore
import Testing

@testable import MetropoleWebRTC

/// The test vectors of RFC 5769 (short-term credentials), byte for byte.
struct RFC5769Tests {
    static let password = Array("VOkJxbRl1RmTxUk/WvJxBt".utf8)
    static let transactionID = STUNTransactionID(high: 0xB7E7_A701, low: 0xBC34_D686_FA87_DFAE)

    /// §2.1: a Binding request with SOFTWARE, PRIORITY, ICE-CONTROLLED, USERNAME, integrity and
    /// fingerprint; padding bytes are spaces, as the RFC wants receivers to tolerate.
    static let request = hexBuffer("""
        00 01 00 58 21 12 a4 42 b7 e7 a7 01 bc 34 d6 86 fa 87 df ae
        80 22 00 10 53 54 55 4e 20 74 65 73 74 20 63 6c 69 65 6e 74
        00 24 00 04 6e 00 01 ff
        80 29 00 08 93 2f f9 b1 51 26 3b 36
        00 06 00 09 65 76 74 6a 3a 68 36 76 59 20 20 20
        00 08 00 14 9a ea a7 0c bf d8 cb 56 78 1e f2 b5 b2 d3 f2 49 c1 b5 71 a2
        80 28 00 04 e5 7a 3b cf
        """)

    /// §2.2: the IPv4 success response (192.0.2.1:32853).
    static let ipv4Response = hexBuffer("""
        01 01 00 3c 21 12 a4 42 b7 e7 a7 01 bc 34 d6 86 fa 87 df ae
        80 22 00 0b 74 65 73 74 20 76 65 63 74 6f 72 20
        00 20 00 08 00 01 a1 47 e1 12 a6 43
        00 08 00 14 2b 91 f5 99 fd 9e 90 c3 8c 74 89 f9 2a f9 ba 53 f0 6b e7 d7
        80 28 00 04 c0 7d 4c 96
        """)

    /// §2.3: the IPv6 success response ([2001:db8:1234:5678:11:2233:4455:6677]:32853).
    static let ipv6Response = hexBuffer("""
        01 01 00 48 21 12 a4 42 b7 e7 a7 01 bc 34 d6 86 fa 87 df ae
        80 22 00 0b 74 65 73 74 20 76 65 63 74 6f 72 20
        00 20 00 14 00 02 a1 47 01 13 a9 fa a5 d3 f1 79 bc 25 f4 b5 be d2 b9 d9
        00 08 00 14 a3 82 95 4e 4b e6 7b f1 17 84 c9 7c 82 92 c2 75 bf e3 ed 41
        80 28 00 04 c8 fb 0b 4c
        """)

    @Test func parsesTheRequestAndVerifiesItsIntegrity() throws {
        let message = try STUNMessage.parse(Self.request)

        #expect(message.type == .bindingRequest)
        #expect(message.transactionID == Self.transactionID)
        #expect(message.username == "evtj:h6vY")
        #expect(message.attribute(.priority)?.uint32 == 0x6E00_01FF)
        #expect(message.attribute(.iceControlled)?.uint64 == 0x932F_F9B1_5126_3B36)
        #expect(message.verifyIntegrity(key: Self.password))
        #expect(!message.verifyIntegrity(key: Array("VOkJxbRl1RmTxUk/WvJxBu".utf8)))
        #expect(message.unknownRequiredAttributes.isEmpty)
    }

    @Test func parsesTheIPv4Response() throws {
        let message = try STUNMessage.parse(Self.ipv4Response)

        #expect(message.type == .bindingSuccess)
        let address = message.attribute(.xorMappedAddress)?.xorMappedAddress(transactionID: message.transactionID)
        #expect(address == STUNAddress(host: .ipv4(0xC000_0201), port: 32853))
        #expect(message.verifyIntegrity(key: Self.password))
    }

    @Test func parsesTheIPv6Response() throws {
        let message = try STUNMessage.parse(Self.ipv6Response)

        let address = message.attribute(.xorMappedAddress)?.xorMappedAddress(transactionID: message.transactionID)
        #expect(address == STUNAddress(host: .ipv6(0x2001_0DB8_1234_5678, 0x0011_2233_4455_6677), port: 32853))
        #expect(message.verifyIntegrity(key: Self.password))
    }

    @Test func encodesXORMappedAddressesAsTheVectorsDo() {
        let ipv4 = STUNAttribute.xorMappedAddress(STUNAddress(host: .ipv4(0xC000_0201), port: 32853), transactionID: Self.transactionID)
        let ipv6 = STUNAttribute.xorMappedAddress(
            STUNAddress(host: .ipv6(0x2001_0DB8_1234_5678, 0x0011_2233_4455_6677), port: 32853), transactionID: Self.transactionID
        )

        #expect(ipv4.value.bytes == hexBytes("00 01 a1 47 e1 12 a6 43"))
        #expect(ipv6.value.bytes == hexBytes("00 02 a1 47 01 13 a9 fa a5 d3 f1 79 bc 25 f4 b5 be d2 b9 d9"))
    }

    /// Our serializer writes the request as the RFC does, but for padding: zeros where the
    /// vector has spaces (which MESSAGE-INTEGRITY covers, so that is all that may differ).
    @Test func serializesTheRequestAsTheRFCDoes() throws {
        let message = STUNMessage(type: .bindingRequest, transactionID: Self.transactionID, attributes: [
            .software("STUN test client"),
            .priority(0x6E00_01FF),
            .iceControlled(0x932F_F9B1_5126_3B36),
            .username("evtj:h6vY"),
        ])

        let bytes = message.serialized(integrityKey: Self.password).bytes

        let reference = Self.request.bytes
        #expect(bytes.count == reference.count)
        #expect(Array(bytes[0..<73]) == Array(reference[0..<73]))
        #expect(Array(bytes[73..<80]) == [0, 0, 0, 0x00, 0x08, 0x00, 0x14])
        #expect(Array(bytes[100..<104]) == [0x80, 0x28, 0x00, 0x04])
        let reparsed = try STUNMessage.parse(ByteBuffer(bytes: bytes))
        #expect(reparsed.verifyIntegrity(key: Self.password))
        #expect(reparsed.username == "evtj:h6vY")
    }
}
