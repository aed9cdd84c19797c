import NIOCore
import Testing

@testable import MetropoleWebRTC

/// Two of our endpoints, a server and a client, handshaking in process over lists of
/// datagrams, as they would over UDP.
struct DTLSEndpointTests {
    struct Pair {
        var server: DTLSEndpoint
        var client: DTLSEndpoint
        var serverCertificate: DTLSCertificate
        var clientCertificate: DTLSCertificate
    }

    static func pair(
        serverProfiles: [SRTPProtectionProfile] = DTLSContext.profiles, clientProfiles: [SRTPProtectionProfile] = DTLSContext.profiles,
        serverExpects: CertificateFingerprint? = nil
    ) throws -> Pair {
        let serverCertificate = try DTLSCertificate.generate()
        let clientCertificate = try DTLSCertificate.generate()
        let server = try DTLSEndpoint(
            context: DTLSContext(certificate: serverCertificate, profiles: serverProfiles), role: .server,
            peerFingerprint: serverExpects ?? clientCertificate.fingerprint
        )
        let client = try DTLSEndpoint(
            context: DTLSContext(certificate: clientCertificate, profiles: clientProfiles), role: .client,
            peerFingerprint: serverCertificate.fingerprint
        )
        return Pair(server: server, client: client, serverCertificate: serverCertificate, clientCertificate: clientCertificate)
    }

    /// Runs datagrams back and forth, starting with the client's first flight (or `toServer`),
    /// until neither side has anything to send; returns each side's non-send actions and every
    /// datagram sent. `shouldDrop` loses the nth datagram sent.
    static func exchange(
        _ pair: Pair, toServer initial: [ByteBuffer]? = nil, dropping shouldDrop: (Int) -> Bool = { _ in false }
    ) -> (server: [DTLSAction], client: [DTLSAction], datagrams: [ByteBuffer]) {
        var serverEvents: [DTLSAction] = []
        var clientEvents: [DTLSAction] = []
        var sent: [ByteBuffer] = []
        var toServer: [ByteBuffer] = []
        var toClient: [ByteBuffer] = []
        func sort(_ actions: [DTLSAction], into queue: inout [ByteBuffer], events: inout [DTLSAction]) {
            for action in actions {
                if case .send(let datagram) = action {
                    sent.append(datagram)
                    if !shouldDrop(sent.count - 1) { queue.append(datagram) }
                } else {
                    events.append(action)
                }
            }
        }
        if let initial {
            toServer = initial
        } else {
            sort(pair.client.start(), into: &toServer, events: &clientEvents)
        }
        var rounds = 0
        while !toServer.isEmpty || !toClient.isEmpty, rounds < 50 {
            rounds += 1
            for datagram in toServer { sort(pair.server.receive(datagram), into: &toClient, events: &serverEvents) }
            toServer = []
            for datagram in toClient { sort(pair.client.receive(datagram), into: &toServer, events: &clientEvents) }
            toClient = []
        }
        return (serverEvents, clientEvents, sent)
    }

    @Test func handshakeExportsMatchingKeysAndPrefersGCM() throws {
        let pair = try Self.pair()

        let (server, client, datagrams) = Self.exchange(pair)

        guard case .connected(let serverKeys) = server.first, case .connected(let clientKeys) = client.first else {
            Issue.record("not connected: server \(server), client \(client)")
            return
        }
        #expect(serverKeys.profile == .aeadAES128GCM)
        #expect(serverKeys == clientKeys)
        #expect(serverKeys.clientMasterKey != serverKeys.serverMasterKey)
        #expect(pair.server.role == .server)
        #expect(pair.client.role == .client)
        #expect(pair.server.state == .connected)
        #expect(pair.client.state == .connected)
        // Every record fits our MTU, each in its own datagram with a DTLS 1.2 record header.
        #expect(datagrams.allSatisfy { $0.readableBytes <= DTLSEndpoint.mtu })
        #expect(datagrams.allSatisfy { (20...63).contains($0.getInteger(at: 0, as: UInt8.self)!) })
    }

    /// The exported keys work as RFC 5764 lays them out: what the client protects with its
    /// outbound context, the server unprotects with its inbound one.
    @Test func exportedKeysCarrySRTPFromClientToServer() throws {
        let pair = try Self.pair()
        let (server, client, _) = Self.exchange(pair)
        guard case .connected(let serverKeys) = server.first, case .connected(let clientKeys) = client.first else {
            Issue.record("not connected")
            return
        }
        var sender = try clientKeys.contexts(localRole: pair.client.role).outbound
        var receiver = try serverKeys.contexts(localRole: pair.server.role).inbound
        var packet = ByteBuffer()
        RTPPacket(header: RTPHeader(marker: true, payloadType: 96, sequenceNumber: 7, timestamp: 90000, ssrc: 0x1234_5678),
                  payload: ByteBuffer(bytes: [1, 2, 3, 4, 5])).write(into: &packet)

        let protected = try sender.protectRTP(packet)
        let unprotected = try receiver.unprotectRTP(protected)

        #expect(protected != packet)
        #expect(unprotected == packet)
    }

    @Test func cmHMACSHA1IsChosenWhenThatIsAllThePeerOffers() throws {
        // OBS's official (mbedTLS) builds and FFmpeg offer only this profile.
        let pair = try Self.pair(clientProfiles: [.aes128CMHMACSHA1_80])

        let (server, _, _) = Self.exchange(pair)

        guard case .connected(let keys) = server.first else {
            Issue.record("not connected: \(server)")
            return
        }
        #expect(keys.profile == .aes128CMHMACSHA1_80)
        #expect(keys.clientMasterSalt.count == 14)
    }

    @Test func aPeerWhoseCertificateIsNotTheOfferedOneFails() throws {
        let stranger = try DTLSCertificate.generate()
        let pair = try Self.pair(serverExpects: stranger.fingerprint)

        let (server, _, _) = Self.exchange(pair)

        #expect(server == [.failed(.fingerprintMismatch(expected: stranger.fingerprint, actual: pair.clientCertificate.fingerprint))])
        #expect(pair.server.state == .failed)
    }

    @Test func noCommonSRTPProfileFails() throws {
        let pair = try Self.pair(serverProfiles: [.aeadAES128GCM], clientProfiles: [.aes128CMHMACSHA1_80])

        let (server, _, _) = Self.exchange(pair)

        guard case .failed = server.last else {
            Issue.record("expected a failure: \(server)")
            return
        }
        #expect(pair.server.state != .connected)
    }

    @Test func aLostFlightIsRetransmittedOnTimeout() throws {
        let pair = try Self.pair()
        // Lose the server's whole first flight.
        var (_, client, _) = Self.exchange(pair) { $0 >= 1 && $0 <= 5 }
        #expect(client.isEmpty)
        #expect(pair.client.state == .handshaking)

        let wait = try #require(pair.client.retransmissionTimeout)
        #expect(wait > 0 && wait <= 1000)
        try Self.sleep(milliseconds: wait + 20)
        let retransmitted = pair.client.handleTimeout().compactMap { action -> ByteBuffer? in
            if case .send(let datagram) = action { datagram } else { nil }
        }
        #expect(!retransmitted.isEmpty)
        (_, client, _) = Self.exchange(pair, toServer: retransmitted)
        #expect(client.count == 1)
        #expect(pair.client.state == .connected)
        #expect(pair.server.state == .connected)
    }

    @Test func closeNotifyEndsThePeer() throws {
        let pair = try Self.pair()
        _ = Self.exchange(pair)

        let actions = pair.client.close()
        var events: [DTLSAction] = []
        for case .send(let datagram) in actions { events += pair.server.receive(datagram) }

        #expect(events == [.closed])
        #expect(pair.server.state == .closed)
    }

    @Test func garbageNeverTrapsAndNeverConnects() throws {
        let pair = try Self.pair()
        var generator = SystemRandomNumberGenerator()
        for length in [1, 13, 14, 25, 100, 1500] {
            for first: UInt8 in [20, 22, 23, 63] {
                var bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &generator) }
                bytes[0] = first
                if length > 2 { bytes[1] = 0xFE; bytes[2] = 0xFD }
                for action in pair.server.receive(ByteBuffer(bytes: bytes)) {
                    if case .connected = action { Issue.record("connected on garbage") }
                }
            }
        }
        #expect(pair.server.state != .connected)
    }

    static func sleep(milliseconds: Int64) throws {
        var request = timespec(tv_sec: Int(milliseconds / 1000), tv_nsec: Int(milliseconds % 1000) * 1_000_000)
        var remaining = timespec()
        nanosleep(&request, &remaining)
    }
}

#if canImport(Glibc)
import Glibc
#endif
