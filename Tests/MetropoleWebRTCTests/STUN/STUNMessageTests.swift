import NIOCore
import Testing

@testable import MetropoleWebRTC

struct STUNMessageTests {
    static func parse(_ bytes: [UInt8]) -> Result<STUNMessage, STUNError> {
        Result { () throws(STUNError) in try STUNMessage.parse(ByteBuffer(bytes: bytes)) }
    }

    static func failure(_ bytes: [UInt8]) -> STUNError? {
        if case .failure(let error) = parse(bytes) { return error }
        return nil
    }

    @Test func methodAndClassInterleaveAsRFC8489Section5Says() {
        #expect(STUNMessageType.bindingRequest.rawValue == 0x0001)
        #expect(STUNMessageType.bindingIndication.rawValue == 0x0011)
        #expect(STUNMessageType.bindingSuccess.rawValue == 0x0101)
        #expect(STUNMessageType.bindingError.rawValue == 0x0111)
        let allocate = STUNMessageType(method: 0x003, class: .errorResponse)
        #expect(allocate.rawValue == 0x0113)
        #expect(allocate.method == 0x003)
        #expect(allocate.messageClass == .errorResponse)
    }

    @Test func rejectsBrokenFramingWithReasons() {
        let request = RFC5769Tests.request.bytes

        #expect(Self.failure(Array(request.prefix(19))) == .malformed("19 bytes is shorter than the 20-byte header"))
        var cookie = request
        cookie[4] = 0x22
        #expect(Self.failure(cookie) == .malformed("the magic cookie is 0x2212a442"))
        var topBits = request
        topBits[0] = 0x40
        #expect(Self.failure(topBits) == .malformed("the first two bits are not zero"))
        #expect(Self.failure(Array(request.prefix(100))) == .malformed("length 88 but 80 bytes follow the header"))
        var odd = request
        odd[3] = 0x57
        #expect(Self.failure(odd) == .malformed("length 87 is not a multiple of 4"))
        // USERNAME claims 200 bytes.
        var overrun = request
        overrun[62] = 0x00
        overrun[63] = 0xC8
        #expect(Self.failure(overrun) == .malformed("attribute 0x6 of 200 bytes overruns the message"))
    }

    @Test func aWrongFingerprintMeansNotSTUN() {
        var request = RFC5769Tests.request.bytes
        request[request.count - 1] ^= 0x01
        #expect(Self.failure(request) == .badFingerprint)
    }

    @Test func nothingMayFollowFingerprint() {
        let message = STUNMessage(type: .bindingRequest, transactionID: .random()).serialized()
        var bytes = message.bytes + [0x80, 0x22, 0x00, 0x00]
        bytes[3] += 4
        #expect(Self.failure(bytes) == .malformed("an attribute follows FINGERPRINT"))
    }

    @Test func attributesAfterIntegrityAreIgnoredButFingerprint() throws {
        let key: [UInt8] = Array("key".utf8)
        var bytes = STUNMessage(type: .bindingRequest, transactionID: .random(), attributes: [.username("a:b")])
            .serialized(integrityKey: key, fingerprint: false).bytes
        // Append PRIORITY after MESSAGE-INTEGRITY, as an attacker might.
        bytes += [0x00, 0x24, 0x00, 0x04, 0, 0, 0, 1]
        bytes[3] += 8

        let message = try STUNMessage.parse(ByteBuffer(bytes: bytes))

        #expect(!message.contains(.priority))
        #expect(message.verifyIntegrity(key: key))
    }
}
