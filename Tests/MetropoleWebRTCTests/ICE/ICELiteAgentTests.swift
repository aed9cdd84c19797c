import NIOCore
import Testing

@testable import MetropoleWebRTC

struct ICELiteAgentTests {
    static let local = ICECredentials(ufrag: "LiteUfrg", pwd: "LitePasswordLitePassword")
    static let publisher = try! SocketAddress(ipAddress: "127.0.0.1", port: 50000)
    static let other = try! SocketAddress(ipAddress: "127.0.0.1", port: 50001)
    static let ipv6 = try! SocketAddress(ipAddress: "::1", port: 50002)

    /// aiortc 1.16's first check to an ICE-lite answerer (Peers/capture_aiortc_stun.py):
    /// USERNAME, PRIORITY, ICE-CONTROLLING, MESSAGE-INTEGRITY, FINGERPRINT; no USE-CANDIDATE.
    static func aiortcRequest() throws -> ByteBuffer {
        hexBuffer(try FixtureFiles.text("stun/aiortc-binding-request.txt"))
    }

    /// A check as FFmpeg's muxer sends it: USERNAME, USE-CANDIDATE, integrity, fingerprint;
    /// no PRIORITY and no ICE-CONTROLLING.
    static func request(
        username: String? = "LiteUfrg:peer", useCandidate: Bool = true, key: String? = local.pwd, extra: [STUNAttribute] = []
    ) -> STUNMessage {
        var attributes: [STUNAttribute] = username.map { [.username($0)] } ?? []
        if useCandidate { attributes.append(.useCandidate) }
        attributes += extra
        let bytes = STUNMessage(type: .bindingRequest, transactionID: .random(), attributes: attributes)
            .serialized(integrityKey: key.map { Array($0.utf8) })
        return try! STUNMessage.parse(bytes)
    }

    static func reply(_ outcome: ICELiteAgent.Outcome) throws -> STUNMessage {
        switch outcome {
        case .accept(let reply, _), .reject(let reply, _): try STUNMessage.parse(reply)
        case .ignore: throw STUNError.malformed("no reply")
        }
    }

    @Test func answersAiortcsRealCheckAndTrustsItsAddress() throws {
        var agent = ICELiteAgent(local: Self.local, remoteUfrag: "H7ZV")
        let request = try STUNMessage.parse(Self.aiortcRequest())
        #expect(request.contains(.iceControlling))
        #expect(!request.contains(.useCandidate))

        let outcome = agent.handle(request, from: Self.publisher)

        guard case .accept(_, let selected) = outcome else {
            Issue.record("not accepted: \(outcome)")
            return
        }
        #expect(selected)
        #expect(agent.selected == Self.publisher)
        #expect(agent.isTrusted(Self.publisher))
        let reply = try Self.reply(outcome)
        #expect(reply.type == .bindingSuccess)
        #expect(reply.transactionID == request.transactionID)
        #expect(reply.verifyIntegrity(key: Array(Self.local.pwd.utf8)))
        #expect(reply.attribute(.xorMappedAddress)?.xorMappedAddress(transactionID: reply.transactionID)
            == STUNAddress(host: .ipv4(0x7F00_0001), port: 50000))
        #expect(reply.attributes.last?.type == .fingerprint)
    }

    @Test func ffmpegStyleCheckWithoutPriorityNominates() throws {
        var agent = ICELiteAgent(local: Self.local, remoteUfrag: "peer")

        guard case .accept = agent.handle(Self.request(), from: Self.ipv6) else {
            Issue.record("not accepted")
            return
        }
        #expect(agent.nominated)
        let reply = try Self.reply(agent.handle(Self.request(), from: Self.ipv6))
        #expect(reply.attribute(.xorMappedAddress)?.xorMappedAddress(transactionID: reply.transactionID)
            == STUNAddress(host: .ipv6(0, 1), port: 50002))
    }

    @Test func useCandidateMovesTheSelectedAddressPlainChecksDoNot() {
        var agent = ICELiteAgent(local: Self.local, remoteUfrag: "peer")
        _ = agent.handle(Self.request(useCandidate: false), from: Self.publisher)
        #expect(agent.selected == Self.publisher)
        #expect(!agent.nominated)

        _ = agent.handle(Self.request(useCandidate: false), from: Self.other)
        #expect(agent.selected == Self.publisher)
        #expect(agent.isTrusted(Self.other))

        _ = agent.handle(Self.request(useCandidate: true), from: Self.other)
        #expect(agent.selected == Self.other)
        #expect(agent.nominated)
    }

    @Test func errorsFollowRFC8489() throws {
        var agent = ICELiteAgent(local: Self.local, remoteUfrag: "peer")
        func code(_ request: STUNMessage) throws -> (Int, Bool)? {
            guard case .reject(let reply, let code) = agent.handle(request, from: Self.publisher) else { return nil }
            let message = try STUNMessage.parse(reply)
            #expect(message.type == .bindingError)
            #expect(message.attribute(.errorCode)?.errorCode?.code == code)
            return (code, message.contains(.messageIntegrity))
        }

        // No USERNAME, or no integrity: 400, unsigned.
        #expect(try code(Self.request(username: nil))! == (400, false))
        #expect(try code(Self.request(key: nil))! == (400, false))
        // Someone else's ufrag, the wrong remote ufrag, the wrong key: 401, unsigned.
        #expect(try code(Self.request(username: "Other:peer"))! == (401, false))
        #expect(try code(Self.request(username: "LiteUfrg:nope"))! == (401, false))
        #expect(try code(Self.request(key: "not-the-password-at-all"))! == (401, false))
        // Authenticated, but the peer thinks it is controlled too: 487, signed.
        #expect(try code(Self.request(extra: [.iceControlled(7)]))! == (487, true))
        // Authenticated with a comprehension-required attribute we do not know: 420.
        let unknown = STUNAttribute(type: STUNAttributeType(rawValue: 0x7F01), value: ByteBuffer(bytes: [1, 2, 3, 4]))
        #expect(try code(Self.request(extra: [unknown]))! == (420, true))
        // None of these made the sender trusted.
        #expect(agent.trusted.isEmpty)
        #expect(agent.selected == nil)
    }

    @Test func indicationsAndResponsesAreIgnored() throws {
        var agent = ICELiteAgent(local: Self.local, remoteUfrag: "peer")
        let indication = try STUNMessage.parse(STUNMessage(type: .bindingIndication, transactionID: .random()).serialized())
        let response = try STUNMessage.parse(STUNMessage(type: .bindingSuccess, transactionID: .random()).serialized())

        #expect(agent.handle(indication, from: Self.publisher) == .ignore)
        #expect(agent.handle(response, from: Self.publisher) == .ignore)
    }

    @Test func credentialsAreICETextOfTheRightStrength() {
        let credentials = (0..<50).map { _ in ICECredentials.random() }

        #expect(Set(credentials.map(\.ufrag)).count == 50)
        for credential in credentials {
            #expect(credential.ufrag.utf8.count == 8)
            #expect(credential.pwd.utf8.count == 24)
            #expect((credential.ufrag + credential.pwd).allSatisfy { $0.isLetter || $0.isNumber || $0 == "+" || $0 == "/" })
        }
    }
}
