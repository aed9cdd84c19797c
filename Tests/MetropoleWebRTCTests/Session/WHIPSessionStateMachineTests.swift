import NIOCore
import Testing

@testable import MetropoleWebRTC

/// The session's transport as a pure value: our own DTLS client and STUN requests play the
/// publisher, time is passed in.
struct WHIPSessionStateMachineTests {
    static let publisher = try! SocketAddress(ipAddress: "127.0.0.1", port: 50000)
    static let stranger = try! SocketAddress(ipAddress: "127.0.0.1", port: 50001)
    static let ours = ICECredentials(ufrag: "OurUfrag", pwd: "OurPasswordOurPassword12")

    struct Setup {
        var machine: WHIPSessionStateMachine
        var publisherDTLS: DTLSEndpoint
        var start: NIODeadline
    }

    static func setup(consent: TimeAmount = .seconds(30), connect: TimeAmount = .seconds(15)) throws -> Setup {
        let serverCertificate = try DTLSCertificate.generate()
        let publisherCertificate = try DTLSCertificate.generate()
        let offerText = try FixtureFiles.offer("obs").replacingOccurrences(
            of: "7F:0E:62:57:8B:D1:55:2C:7A:8F:36:1A:5C:9B:C4:D6:28:1E:92:4A:3B:65:0D:E7:21:54:9A:6C:80:33:F2:1B",
            with: publisherCertificate.fingerprint.sdpValue.dropFirst("sha-256 ".count)
        )
        let offer = try WHIPOffer.parse(offerText)
        let start = NIODeadline.now()
        let machine = WHIPSessionStateMachine(
            offer: offer, credentials: ours,
            dtls: try DTLSEndpoint(context: DTLSContext(certificate: serverCertificate), role: .server, peerFingerprint: offer.fingerprint),
            timeouts: .init(consent: consent, connect: connect), now: start
        )
        let publisherDTLS = try DTLSEndpoint(
            context: DTLSContext(certificate: publisherCertificate), role: .client, peerFingerprint: serverCertificate.fingerprint
        )
        return Setup(machine: machine, publisherDTLS: publisherDTLS, start: start)
    }

    static func check(useCandidate: Bool = true) -> (ByteBuffer, STUNMessage) {
        var attributes: [STUNAttribute] = [.username("\(ours.ufrag):Kv4m"), .priority(1), .iceControlling(9)]
        if useCandidate { attributes.append(.useCandidate) }
        let bytes = STUNMessage(type: .bindingRequest, transactionID: .random(), attributes: attributes)
            .serialized(integrityKey: Array(ours.pwd.utf8))
        return (bytes, try! STUNMessage.parse(bytes))
    }

    /// Runs DTLS between the machine and the publisher until quiet; returns the machine's
    /// actions and the keys the publisher ended up with.
    @discardableResult
    static func handshake(_ setup: inout Setup, at now: NIODeadline) -> ([WHIPSessionStateMachine.Action], SRTPKeyingMaterial?) {
        var toServer = setup.publisherDTLS.start().compactMap(\.datagram)
        var actions: [WHIPSessionStateMachine.Action] = []
        var keys: SRTPKeyingMaterial?
        for _ in 0..<20 where !toServer.isEmpty {
            var toPublisher: [ByteBuffer] = []
            for datagram in toServer {
                let produced = setup.machine.receive(datagram, kind: .dtls, stun: nil, from: publisher, now: now)
                actions += produced
                toPublisher += produced.compactMap { if case .send(let bytes, _) = $0 { bytes } else { nil } }
            }
            toServer = []
            for datagram in toPublisher {
                for action in setup.publisherDTLS.receive(datagram) {
                    switch action {
                    case .send(let bytes): toServer.append(bytes)
                    case .connected(let material): keys = material
                    default: break
                    }
                }
            }
        }
        return (actions, keys)
    }

    @Test func dtlsWaitsForAnAuthenticatedCheck() throws {
        var setup = try Self.setup()
        let now = setup.start + .milliseconds(100)
        #expect(setup.machine.phase == .waitingForICE)

        // DTLS before ICE is ignored: the address is not trusted yet.
        let early = setup.publisherDTLS.start().compactMap(\.datagram)
        #expect(setup.machine.receive(early[0], kind: .dtls, stun: nil, from: Self.publisher, now: now).isEmpty)

        let (bytes, check) = Self.check()
        let answered = setup.machine.receive(bytes, kind: .stun, stun: check, from: Self.publisher, now: now)
        #expect(answered.contains { if case .bind(let address) = $0 { address == Self.publisher } else { false } })
        #expect(setup.machine.phase == .handshaking)
        // A check from another address with a wrong key neither binds nor moves anything.
        let forged = STUNMessage(type: .bindingRequest, transactionID: .random(), attributes: [.username("\(Self.ours.ufrag):Kv4m"), .useCandidate])
            .serialized(integrityKey: Array("guessed-password-000000".utf8))
        let refused = setup.machine.receive(forged, kind: .stun, stun: try STUNMessage.parse(forged), from: Self.stranger, now: now)
        #expect(refused.allSatisfy { if case .bind = $0 { false } else { true } })
        #expect(setup.machine.agent.selected == Self.publisher)
    }

    @Test func srtpFlowsOnlyFromTheTrustedAddress() throws {
        var setup = try Self.setup()
        let now = setup.start + .milliseconds(100)
        let (bytes, check) = Self.check()
        _ = setup.machine.receive(bytes, kind: .stun, stun: check, from: Self.publisher, now: now)

        let (actions, publisherKeys) = Self.handshake(&setup, at: now)

        #expect(actions.contains { if case .connected(.aeadAES128GCM) = $0 { true } else { false } })
        #expect(setup.machine.isLive)
        let keys = try #require(publisherKeys)
        var sender = try keys.contexts(localRole: .client).outbound
        var packet = ByteBuffer()
        RTPPacket(header: RTPHeader(payloadType: 96, sequenceNumber: 1, timestamp: 0, ssrc: 2154384191), payload: ByteBuffer(bytes: [0x65, 1, 2]))
            .write(into: &packet)
        let protected = try sender.protectRTP(packet)

        #expect(setup.machine.unprotect(protected, isRTCP: false, from: Self.stranger, now: now) == nil)
        #expect(setup.machine.unprotect(protected, isRTCP: false, from: Self.publisher, now: now) == packet)
        // The same packet again is a replay.
        #expect(setup.machine.unprotect(protected, isRTCP: false, from: Self.publisher, now: now) == nil)
        #expect(setup.machine.rejectedPackets == 1)
        // Our RTCP goes to the publisher, protected.
        let sent = setup.machine.protectRTCP(ByteBuffer(bytes: [0x81, 0xC9, 0, 1, 0, 0, 0, 1]))
        let (rtcp, destination) = try #require(sent)
        #expect(destination == Self.publisher)
        var receiver = try keys.contexts(localRole: .client).inbound
        #expect(try receiver.unprotectRTCP(rtcp) == ByteBuffer(bytes: [0x81, 0xC9, 0, 1, 0, 0, 0, 1]))
    }

    @Test func consentRunsOutWithoutValidTraffic() throws {
        var setup = try Self.setup(consent: .seconds(2))
        let (bytes, check) = Self.check()
        _ = setup.machine.receive(bytes, kind: .stun, stun: check, from: Self.publisher, now: setup.start)
        _ = Self.handshake(&setup, at: setup.start)

        // A fresh check at 1.5 s keeps it alive past 2 s; garbage does not.
        _ = setup.machine.receive(bytes, kind: .stun, stun: check, from: Self.publisher, now: setup.start + .milliseconds(1500))
        _ = setup.machine.unprotect(ByteBuffer(bytes: [0x80, 0x60] + [UInt8](repeating: 0, count: 40)), isRTCP: false, from: Self.publisher, now: setup.start + .seconds(3))
        #expect(setup.machine.tick(now: setup.start + .seconds(3)).isEmpty)

        let ended = setup.machine.tick(now: setup.start + .milliseconds(3600))
        #expect(ended.contains { if case .end(.consentExpired) = $0 { true } else { false } })
        #expect(setup.machine.phase == .ended)
    }

    @Test func aSessionThatNeverConnectsExpires() throws {
        var setup = try Self.setup(connect: .seconds(1))

        #expect(setup.machine.tick(now: setup.start + .milliseconds(900)).isEmpty)
        let ended = setup.machine.tick(now: setup.start + .milliseconds(1100))

        #expect(ended.contains { if case .end(.notConnected) = $0 { true } else { false } })
    }

    @Test func closeSendsCloseNotifyToThePublisher() throws {
        var setup = try Self.setup()
        let (bytes, check) = Self.check()
        _ = setup.machine.receive(bytes, kind: .stun, stun: check, from: Self.publisher, now: setup.start)
        _ = Self.handshake(&setup, at: setup.start)

        let actions = setup.machine.close(.deleted)

        let sent = actions.compactMap { if case .send(let bytes, let to) = $0, to == Self.publisher { bytes } else { nil } }
        #expect(sent.flatMap { setup.publisherDTLS.receive($0) } == [.closed])
        #expect(actions.contains { if case .end(.deleted) = $0 { true } else { false } })
        #expect(setup.machine.close(.deleted).isEmpty)
    }
}

extension DTLSAction {
    var datagram: ByteBuffer? {
        if case .send(let datagram) = self { datagram } else { nil }
    }
}
