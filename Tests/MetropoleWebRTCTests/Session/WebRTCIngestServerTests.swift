import MetropoleTestSupport
import Logging
import NIOCore
import NIOPosix
import Testing

@testable import MetropoleWebRTC

/// `publish` against offers shaped as OBS and FFmpeg send them, and the limits, with no peer
/// behind them (their UDP side is the aiortc tests').
@Suite(.serialized) struct WebRTCIngestServerTests {
    static func withServer(
        _ configure: (inout WebRTCIngestServer.Configuration) -> Void = { _ in },
        _ body: (WebRTCIngestServer, Int, RecordingSink) async throws -> Void
    ) async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        var configuration = WebRTCIngestServer.Configuration(host: "127.0.0.1", port: 0)
        configure(&configuration)
        let sink = RecordingSink()
        let server = WebRTCIngestServer(
            configuration: configuration, group: group, authorizer: TestAuthorizer(), sink: sink, logger: Logger(label: "whip-test")
        )
        let port = try await server.start()
        try await body(server, port, sink)
        await server.shutdown()
        try await group.shutdownGracefully()
    }

    @Test func obsOfferIsAnsweredPassiveWithOurCandidate() async throws {
        try await Self.withServer { server, port, _ in
            let session = try await server.publish(offer: try FixtureFiles.offer("obs"), streamKey: "secret-key", remoteAddress: "127.0.0.1")

            let answer = try SessionDescription.parse(session.answer)
            #expect(session.streamID == "alice")
            #expect(answer.attributes.has("ice-lite"))
            #expect(answer.media.map(\.kind) == ["audio", "video"])
            #expect(answer.media.map(\.mid) == ["0", "1"])
            for media in answer.media {
                #expect(media.attributes.first("setup")?.value == "passive")
                #expect(media.direction == "recvonly")
                #expect(media.candidates.map { "\($0.address):\($0.port) \($0.type)" } == ["127.0.0.1:\(port) host"])
                #expect((media.attributes.first("ice-pwd")?.value?.count ?? 0) >= 22)
            }
            // OBS needs exactly these to accept the answer (libdatachannel validateRemoteDescription).
            #expect(session.answer.hasPrefix("v=0\r\n"))
        }
    }

    @Test func ffmpegOfferIsAnsweredActive() async throws {
        try await Self.withServer { server, port, _ in
            let session = try await server.publish(offer: try FixtureFiles.offer("ffmpeg"), streamKey: "secret-key", remoteAddress: nil)

            let answer = try SessionDescription.parse(session.answer)
            #expect(answer.media.allSatisfy { $0.attributes.first("setup")?.value == "active" })
            // FFmpeg reads the first `udp ... typ host` candidate.
            #expect(session.answer.contains("a=candidate:1 1 udp 2130706431 127.0.0.1 \(port) typ host\r\n"))
            #expect(answer.media.first { $0.kind == "video" }?.formats == ["106"])
        }
    }

    @Test func sessionIDsAreUnguessableAndURLSafe() async throws {
        try await Self.withServer({ $0.maxPendingSessions = 20; $0.maxSessions = 20 }) { server, _, _ in
            var ids: Set<String> = []
            for _ in 0..<10 {
                ids.insert(try await server.publish(offer: try FixtureFiles.offer("obs"), streamKey: "secret-key", remoteAddress: nil).sessionID)
            }
            #expect(ids.count == 10)
            #expect(ids.allSatisfy { $0.count == 22 && $0.allSatisfy { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" } })
        }
    }

    @Test func errorsMapToHTTPStatuses() async throws {
        try await Self.withServer({ $0.maxPendingSessions = 2 }) { server, _, sink in
            let obs = try FixtureFiles.offer("obs")
            await #expect(throws: WHIPError.malformed("the first line must be v=0")) {
                try await server.publish(offer: "o=world", streamKey: "secret-key", remoteAddress: nil)
            }
            let unsupported = obs.replacingOccurrences(of: "H264", with: "AV1")
            await #expect(throws: WHIPError.unsupported("no H.264 video (packetization-mode 0 or 1) in the video section (mid 1); offered: AV1")) {
                try await server.publish(offer: unsupported, streamKey: "secret-key", remoteAddress: nil)
            }
            await #expect(throws: WHIPError.unauthorized) {
                try await server.publish(offer: obs, streamKey: "nope", remoteAddress: nil)
            }
            _ = try await server.publish(offer: obs, streamKey: "secret-key", remoteAddress: nil)
            _ = try await server.publish(offer: obs, streamKey: "secret-key", remoteAddress: nil)
            await #expect(throws: WHIPError.atCapacity) {
                try await server.publish(offer: obs, streamKey: "secret-key", remoteAddress: nil)
            }
            #expect([WHIPError.malformed(""), .unsupported(""), .unauthorized, .atCapacity, .unavailable].map(\.httpStatus) == [400, 422, 401, 503, 503])
            #expect(sink.events.current.isEmpty)
        }
    }

    @Test func pendingSessionsExpireAndFreeTheirPlace() async throws {
        try await Self.withServer({ $0.maxPendingSessions = 1; $0.connectTimeout = .milliseconds(300) }) { server, _, _ in
            let obs = try FixtureFiles.offer("obs")
            let first = try await server.publish(offer: obs, streamKey: "secret-key", remoteAddress: nil)
            await #expect(throws: WHIPError.atCapacity) {
                try await server.publish(offer: obs, streamKey: "secret-key", remoteAddress: nil)
            }

            try await Task.sleep(for: .milliseconds(600))

            #expect(await server.end(sessionID: first.sessionID) == false)
            _ = try await server.publish(offer: obs, streamKey: "secret-key", remoteAddress: nil)
        }
    }

    @Test func endAndDisconnectKnowWhichSessionsExist() async throws {
        try await Self.withServer { server, _, _ in
            let session = try await server.publish(offer: try FixtureFiles.offer("obs"), streamKey: "secret-key", remoteAddress: nil)
            #expect(await server.end(sessionID: "no-such-session") == false)
            await server.disconnect(streamID: "alice")
            #expect(await server.end(sessionID: session.sessionID) == false)
        }
    }

    @Test func publishBeforeStartIsUnavailable() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let server = WebRTCIngestServer(
            configuration: .init(host: "127.0.0.1", port: 0), group: group, authorizer: TestAuthorizer(), sink: RecordingSink(),
            logger: Logger(label: "whip-test")
        )
        await #expect(throws: WHIPError.unavailable) {
            try await server.publish(offer: try FixtureFiles.offer("obs"), streamKey: "secret-key", remoteAddress: nil)
        }
        try await group.shutdownGracefully()
    }

    @Test func aWildcardHostNeedsAPublicAddress() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let server = WebRTCIngestServer(
            configuration: .init(host: "0.0.0.0", port: 0), group: group, authorizer: TestAuthorizer(), sink: RecordingSink(),
            logger: Logger(label: "whip-test")
        )
        await #expect(throws: WebRTCIngestServer.StartError.self) { _ = try await server.start() }
        try await group.shutdownGracefully()
    }
}
