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
        var group: MultiThreadedEventLoopGroup
    }

    static func harness(consentTimeout: TimeAmount = .seconds(30)) async throws -> Harness {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let sink = RecordingSink()
        let authorizer = TestAuthorizer()
        let packets = Locked(0)
        var configuration = WebRTCIngestServer.Configuration(host: "127.0.0.1", port: 0)
        configuration.consentTimeout = consentTimeout
        var logger = Logger(label: "whip-test")
        logger.logLevel = .info
        let server = WebRTCIngestServer(
            configuration: configuration, group: group, authorizer: authorizer, sink: sink, logger: logger,
            tap: { _, _ in packets.withValue { $0 += 1 } }
        )
        _ = try await server.start()
        return Harness(server: server, sink: sink, authorizer: authorizer, packets: packets, group: group)
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
}
