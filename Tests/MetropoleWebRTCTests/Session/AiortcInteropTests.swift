import MetropoleTestSupport
import Foundation
import Logging
import MetropoleMedia
import NIOCore
import NIOPosix
import Testing

@testable import MetropoleWebRTC

/// Our server against aiortc, a WebRTC stack nobody here wrote, publishing H.264 and Opus
/// over loopback: ICE-lite checks, DTLS (aiortc as client), SRTP, into the hub.
@Suite(.serialized) struct AiortcInteropTests {
    struct Harness {
        var server: WebRTCIngestServer
        var sink: RecordingSink
        var authorizer: TestAuthorizer
        var packets: Locked<Int>
        /// Payload types of the decrypted packets, by count.
        var payloadTypes: Locked<[UInt8: Int]>
        /// What reached the hub.
        var tracks: Locked<[TrackConfig]>
        var frames: Locked<[MediaFrame]>
        var group: MultiThreadedEventLoopGroup
    }

    static func harness(consentTimeout: TimeAmount = .seconds(30)) async throws -> Harness {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let sink = RecordingSink()
        let authorizer = TestAuthorizer()
        let packets = Locked(0)
        let payloadTypes = Locked<[UInt8: Int]>([:])
        let tracks = Locked<[TrackConfig]>([])
        let frames = Locked<[MediaFrame]>([])
        var configuration = WebRTCIngestServer.Configuration(host: "127.0.0.1", port: 0)
        configuration.consentTimeout = consentTimeout
        var logger = Logger(label: "whip-test")
        logger.logLevel = .info
        let server = WebRTCIngestServer(
            configuration: configuration, group: group, authorizer: authorizer, sink: sink, logger: logger,
            tap: { _, event in
                switch event {
                case .rtp(let packet):
                    packets.withValue { $0 += 1 }
                    if let header = try? RTPPacket(parsing: packet).header { payloadTypes.withValue { $0[header.payloadType, default: 0] += 1 } }
                case .track(let config):
                    tracks.withValue { $0.append(config) }
                case .frame(let frame):
                    frames.withValue { $0.append(frame) }
                }
            }
        )
        _ = try await server.start()
        return Harness(server: server, sink: sink, authorizer: authorizer, packets: packets, payloadTypes: payloadTypes, tracks: tracks, frames: frames, group: group)
    }

    @Test func aiortcConnectsAndItsMediaDecrypts() async throws {
        // setup
        let harness = try await Self.harness()
        let peer = try AiortcPeer(arguments: ["--seconds", "30"])
        defer { peer.kill() }

        // act
        let session = try await harness.server.publish(offer: try await peer.offer(), streamKey: "secret-key", remoteAddress: "127.0.0.1")
        try peer.send(answer: session.answer)

        // check
        let connected = await eventually(within: 15) { peer.states.contains("connected") }
        #expect(connected, "aiortc states: \(peer.states); stderr: \(peer.stderr)")
        let flowing = await eventually(within: 10) { harness.packets.current > 100 }
        #expect(flowing, "decrypted RTP packets: \(harness.packets.current)")
        // Both negotiated payload types arrive: H.264 99 and Opus 96 in aiortc's offer.
        let offered = try WHIPOffer.parse(try await peer.offer())
        let seen = harness.payloadTypes.current
        #expect(seen[offered.video!.payloadType, default: 0] > 10, "\(seen)")
        #expect(seen[offered.audio!.payloadType, default: 0] > 10, "\(seen)")
        #expect(Set(seen.keys) == [offered.video!.payloadType, offered.audio!.payloadType])
        // The announcement reaches the sink from the session's loop, after the first media.
        #expect(await eventually(within: 10) { !harness.sink.published.isEmpty })
        let published = try #require(harness.sink.published.first)
        #expect(published.metadata.ingestProtocol == .whip)
        #expect(published.metadata.app == "whip")

        let started = Date()
        #expect(await harness.server.end(sessionID: session.sessionID))
        #expect(Date().timeIntervalSince(started) < 1)
        #expect(harness.sink.sequence == ["p0", "u0"])
        #expect(published.hub.isFinished)
        await harness.server.shutdown()
        try await harness.group.shutdownGracefully()
    }

    /// FFmpeg's muxer offers `setup:passive`; aiortc cannot be made to, so its actpass offer
    /// is edited to passive: we answer active, open the handshake as DTLS client, and aiortc
    /// (told by our answer) is the DTLS server.
    @Test func asDTLSClientAgainstAiortcsServer() async throws {
        let harness = try await Self.harness()
        let peer = try AiortcPeer(arguments: ["--seconds", "30"])
        defer { peer.kill() }

        let offer = try await peer.offer().replacingOccurrences(of: "a=setup:actpass", with: "a=setup:passive")
        let session = try await harness.server.publish(offer: offer, streamKey: "secret-key", remoteAddress: nil)
        try peer.send(answer: session.answer)

        #expect(session.answer.contains("a=setup:active\r\n"))
        let flowing = await eventually(within: 15) { harness.packets.current > 50 }
        #expect(flowing, "decrypted RTP packets: \(harness.packets.current); aiortc states: \(peer.states); stderr: \(peer.stderr)")
        // The app regenerated the key: the publisher is cut, and unpublished before this returns.
        await harness.server.disconnect(streamID: "alice")
        #expect(harness.sink.sequence == ["p0", "u0"])
        #expect(await harness.server.end(sessionID: session.sessionID) == false)
        await harness.server.shutdown()
        try await harness.group.shutdownGracefully()
    }

    /// A publisher that vanishes (SIGKILL: no DELETE, no close_notify) ends by consent timeout.
    @Test func aKilledPeerEndsByConsentTimeout() async throws {
        let harness = try await Self.harness(consentTimeout: .seconds(2))
        let peer = try AiortcPeer(arguments: ["--seconds", "30"])
        defer { peer.kill() }
        let session = try await harness.server.publish(offer: try await peer.offer(), streamKey: "secret-key", remoteAddress: nil)
        try peer.send(answer: session.answer)
        #expect(await eventually(within: 15) { harness.packets.current > 20 })
        #expect(harness.sink.published.count == 1)

        peer.kill()
        let killed = Date()
        let ended = await eventually(within: 6) { harness.sink.unpublishedHubs.count == 1 }

        #expect(ended)
        let elapsed = Date().timeIntervalSince(killed)
        #expect(elapsed > 1.5 && elapsed < 4, "ended \(elapsed) s after the kill")
        #expect(harness.sink.published.first?.hub.isFinished == true)
        #expect(await harness.server.end(sessionID: session.sessionID) == false)
        await harness.server.shutdown()
        try await harness.group.shutdownGracefully()
    }

    @Test func aWrongKeyIsUnauthorizedAndNothingIsPublished() async throws {
        let harness = try await Self.harness()
        let peer = try AiortcPeer(arguments: ["--offer-only"])
        defer { peer.kill() }

        await #expect(throws: WHIPError.unauthorized) {
            try await harness.server.publish(offer: try await peer.offer(), streamKey: "wrong-key", remoteAddress: nil)
        }

        #expect(harness.authorizer.asked.current == ["whip/wrong-key"])
        #expect(harness.sink.events.current.isEmpty)
        await harness.server.shutdown()
        try await harness.group.shutdownGracefully()
    }

    /// A second publisher with the same key takes the stream over when its media arrives:
    /// the first session's `unpublished` comes before the second's `published`.
    @Test func aSecondPublisherTakesTheStreamOver() async throws {
        let harness = try await Self.harness()
        let first = try AiortcPeer(arguments: ["--seconds", "30"])
        defer { first.kill() }
        let one = try await harness.server.publish(offer: try await first.offer(), streamKey: "secret-key", remoteAddress: nil)
        try first.send(answer: one.answer)
        #expect(await eventually(within: 15) { harness.sink.published.count == 1 })

        let second = try AiortcPeer(arguments: ["--seconds", "30"])
        defer { second.kill() }
        let two = try await harness.server.publish(offer: try await second.offer(), streamKey: "secret-key", remoteAddress: nil)
        // Answered but not yet connected: the live stream is untouched.
        #expect(harness.sink.sequence == ["p0"])
        try second.send(answer: two.answer)

        #expect(await eventually(within: 15) { harness.sink.sequence == ["p0", "u0", "p1"] }, "\(harness.sink.sequence)")
        #expect(harness.sink.published.first?.hub.isFinished == true)
        #expect(harness.sink.published.last?.hub.isFinished == false)
        #expect(await harness.server.end(sessionID: one.sessionID) == false)
        // The first peer hears close_notify and sees its connection close.
        #expect(await eventually(within: 5) { first.states.contains("closed") || first.states.contains("failed") }, "\(first.states)")
        await harness.server.shutdown()
        #expect(harness.sink.sequence == ["p0", "u0", "p1", "u1"])
        try await harness.group.shutdownGracefully()
    }

    /// aiortc closing its peer connection sends DTLS close_notify: the stream ends at once,
    /// long before consent would run out.
    @Test func closeNotifyFromThePeerEndsTheStream() async throws {
        let harness = try await Self.harness()
        let peer = try AiortcPeer(arguments: ["--seconds", "2"])
        defer { peer.kill() }
        let session = try await harness.server.publish(offer: try await peer.offer(), streamKey: "secret-key", remoteAddress: nil)
        try peer.send(answer: session.answer)
        #expect(await eventually(within: 15) { harness.sink.published.count == 1 })

        let done = await peer.value("done", within: 10)
        #expect(done != nil)
        // Our receiver reports, SRTCP-protected, were read by aiortc for both tracks.
        let reports = await peer.value("reports", within: 1) as? [String: Int]
        #expect((reports?["video"] ?? 0) > 0 && (reports?["audio"] ?? 0) > 0, "\(String(describing: reports))")
        let closed = Date()
        #expect(await eventually(within: 3) { harness.sink.unpublishedHubs.count == 1 }, "\(harness.sink.sequence)")
        #expect(Date().timeIntervalSince(closed) < 2)
        #expect(await harness.server.end(sessionID: session.sessionID) == false)
        await harness.server.shutdown()
        try await harness.group.shutdownGracefully()
    }
}
