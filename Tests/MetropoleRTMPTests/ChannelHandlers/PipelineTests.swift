import MetropoleTestSupport
import Logging
import MetropoleMedia
import NIOCore
import NIOEmbedded
import Testing

@testable import MetropoleRTMP

/// Scripted exchanges through the same pipeline the server builds.
@Suite struct PipelineTests {
    /// One connection's pipeline on a testing channel, plus a client-side encoder and reader.
    struct Harness {
        let channel: NIOAsyncTestingChannel
        let sink = RecordingSink()
        let recorder = MediaRecorder()
        let authorizer = TestAuthorizer()
        var encoder = ChunkEncoder()
        var reader = ReplyReader()

        init(maxMessageSize: Int = 8 << 20) async throws {
            let environment = SessionEnvironment(
                authorizer: authorizer, sink: sink, registry: PublisherRegistry(), session: .init(),
                idleTimeout: .seconds(10), mediaTimeout: .seconds(10), receiveBatchingDelay: .milliseconds(100),
                tap: recorder.tap
            )
            let logger = Logger(label: "test")
            channel = try await NIOAsyncTestingChannel { channel in
                try channel.pipeline.syncOperations.addHandlers([
                    RTMPHandshakeHandler(timeout: .seconds(5), logger: logger),
                    RTMPMessageEncoder(),
                    ByteToMessageHandler(RTMPMessageDecoder(limits: .init(maxMessageSize: maxMessageSize, maxChunkStreams: 64))),
                    RTMPSessionHandler(environment: environment, logger: logger, remoteAddress: "test"),
                ])
            }
            try await channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1935)).get()
        }

        func handshake() async throws {
            try await channel.writeInbound(ByteBuffer(bytes: [3] + HandshakeStateMachineTests.c1()))
            _ = try await channel.waitForOutboundWrite(as: ByteBuffer.self)
            try await channel.writeInbound(ByteBuffer(bytes: [UInt8](repeating: 0, count: 1536)))
        }

        mutating func send(_ messages: RTMPMessage..., chunkStreamID: UInt32? = nil) async throws {
            var bytes = ByteBuffer()
            for message in messages {
                encoder.encode(message, chunkStreamID: chunkStreamID, into: &bytes)
            }
            try await channel.writeInbound(bytes)
        }

        /// Waits for the server's next messages until one matches.
        mutating func waitForReply(where matches: (RTMPMessage) -> Bool) async throws -> [RTMPMessage] {
            var seen: [RTMPMessage] = []
            while true {
                let bytes = try await channel.waitForOutboundWrite(as: ByteBuffer.self)
                seen += try reader.messages(from: bytes)
                if seen.contains(where: matches) { return seen }
            }
        }

        mutating func publish(key: String) async throws -> [RTMPMessage] {
            try await handshake()
            try await send(SessionStateMachineTests.connect)
            _ = try await waitForReply { $0.statusCode == "NetConnection.Connect.Success" }
            try await send(.command("createStream", 2))
            _ = try await waitForReply { $0.command?.name == "_result" }
            try await send(.command("publish", 3, .null, .string(key), "live", streamID: 1))
            return try await waitForReply { $0.type == .commandAMF0 }
        }
    }

    @Test func handshakeThenConnect() async throws {
        // setup
        var harness = try await Harness()
        let c1 = HandshakeStateMachineTests.c1()
        // act: C0+C1
        try await harness.channel.writeInbound(ByteBuffer(bytes: [3] + c1))
        let response = try await harness.channel.waitForOutboundWrite(as: ByteBuffer.self)
        // check
        #expect(response.readableBytes == 3073)
        #expect(response.getInteger(at: 0, as: UInt8.self) == 3)
        #expect(response.getBytes(at: 1537, length: 1536) == c1)
        // act: C2 and connect in one segment, as publishers send them
        var bytes = ByteBuffer(bytes: [UInt8](repeating: 0, count: 1536))
        harness.encoder.encode(SessionStateMachineTests.connect, into: &bytes)
        try await harness.channel.writeInbound(bytes)
        let replies = try await harness.waitForReply { $0.type == .commandAMF0 }
        // check
        #expect(replies.map(\.type) == [.windowAcknowledgementSize, .setPeerBandwidth, .setChunkSize, .commandAMF0])
        #expect(replies.last?.statusCode == "NetConnection.Connect.Success")
        let channel = harness.channel
        let handshakeRemoved = try await channel.testingEventLoop.executeInContext {
            (try? channel.pipeline.syncOperations.context(handlerType: RTMPHandshakeHandler.self)) == nil
        }
        #expect(handshakeRemoved)
        _ = try await harness.channel.finish(acceptAlreadyClosed: true)
    }

    @Test func badKeyGetsBadNameAndIsClosed() async throws {
        // setup
        var harness = try await Harness()
        // act
        let replies = try await harness.publish(key: "wrong-key")
        // check
        #expect(replies.last?.statusCode == "NetStream.Publish.BadName")
        try await harness.channel.closeFuture.get()
        #expect(harness.authorizer.asked.current == ["live/wrong-key"])
        #expect(harness.sink.events.current.isEmpty)
    }

    @Test func publishedMediaReachesTheHub() async throws {
        // setup
        var harness = try await Harness()
        let replies = try await harness.publish(key: "secret-key")
        #expect(replies.contains(.userControl(.streamBegin(streamID: 1))))
        #expect(replies.last?.statusCode == "NetStream.Publish.Start")
        // act
        try await harness.send(.metadata([AMF0Property("width", 64), AMF0Property("height", 64)]), chunkStreamID: 5)
        try await harness.send(
            .video(Fixtures.videoTag(packetType: 0, data: Fixtures.avcDecoderConfiguration), timestamp: 0),
            .video(Fixtures.videoTag(frameType: 1, packetType: 1, compositionTime: 67, data: Fixtures.keyframeNALUnits), timestamp: 0),
            .video(Fixtures.videoTag(frameType: 2, packetType: 1, data: Fixtures.interNALUnits), timestamp: 33),
            chunkStreamID: 6
        )
        try await harness.send(
            .audio(Fixtures.audioTag(packetType: 0, data: Fixtures.audioSpecificConfig), timestamp: 0),
            .audio(Fixtures.audioTag(packetType: 1, data: Fixtures.aacFrame), timestamp: 21),
            chunkStreamID: 4
        )
        try await harness.send(.command("FCUnpublish", 4, .null, "secret-key"), .command("deleteStream", 5, .null, 1))
        // check
        #expect(await eventually(within: 2) { harness.sink.events.current.count == 2 })
        guard case .published(let streamID, let hub, let metadata)? = harness.sink.events.current.first else {
            Issue.record("expected published first")
            return
        }
        #expect(streamID == "alice")
        #expect(metadata.width == 64)
        #expect(harness.sink.unpublishedHubs.first === hub)
        #expect(harness.recorder.tracks.current.map(\.kind) == [.video, .audio])
        #expect(harness.recorder.frames(of: .video).map(\.dts) == [0, 33])
        #expect(harness.recorder.frames(of: .video).map(\.compositionOffset) == [67, 0])
        #expect(harness.recorder.frames(of: .audio).map(\.dts) == [21])
        #expect(harness.channel.isActive)
        _ = try await harness.channel.finish(acceptAlreadyClosed: true)
    }

    @Test func unsupportedCodecClosesAndUnpublishes() async throws {
        // setup
        var harness = try await Harness()
        _ = try await harness.publish(key: "secret-key")
        try await harness.send(.video(Fixtures.videoTag(packetType: 0, data: Fixtures.avcDecoderConfiguration), timestamp: 0), chunkStreamID: 6)
        // act
        try await harness.send(.audio(ByteBuffer(bytes: [0x2F, 0xFF, 0xFB]), timestamp: 0), chunkStreamID: 4)
        // check
        try await harness.channel.closeFuture.get()
        #expect(await eventually(within: 2) { harness.sink.unpublishedHubs.count == 1 })
    }

    @Test func brokenChunkStreamCloses() async throws {
        // setup
        let harness = try await Harness()
        try await harness.handshake()
        // act: a type 2 chunk on a chunk stream never introduced
        try await harness.channel.writeInbound(ByteBuffer(bytes: [0x85, 0, 0, 1]))
        // check
        try await harness.channel.closeFuture.get()
    }

    @Test func oversizedMessageCloses() async throws {
        var harness = try await Harness(maxMessageSize: 1000)
        try await harness.handshake()
        try await harness.send(RTMPMessage(type: .dataAMF0, payload: ByteBuffer(bytes: [UInt8](repeating: 5, count: 2000))))
        try await harness.channel.closeFuture.get()
    }

    @Test func acknowledgesThePeersWindow() async throws {
        // setup
        var harness = try await Harness()
        try await harness.handshake()
        // act: a 1000-byte window, then more than 1000 bytes
        try await harness.send(.windowAcknowledgementSize(1000))
        try await harness.send(RTMPMessage(type: .dataAMF0, payload: ByteBuffer(bytes: [0x05] + [UInt8](repeating: 0x05, count: 1200))))
        let replies = try await harness.waitForReply { $0.type == .acknowledgement }
        // check
        #expect(replies.last!.controlValue! > 1200)
        _ = try await harness.channel.finish(acceptAlreadyClosed: true)
    }

    @Test func nonRTMPClientsAreClosed() async throws {
        let harness = try await Harness()
        try await harness.channel.writeInbound(ByteBuffer(string: "GET / HTTP/1.1\r\n\r\n"))
        try await harness.channel.closeFuture.get()
    }
}
