import MetropoleTestSupport
import Foundation
import Logging
import MetropoleMedia
import NIOCore
import NIOPosix
import Testing

@testable import MetropoleRTMP

/// The real peer: ffmpeg 5.1 publishing H.264 + AAC to a server on a free loopback port.
/// These tests fail (they do not skip) when ffmpeg is missing.
@Suite(.serialized) struct RTMPServerEndToEndTests {
    static let ffmpeg = "/usr/bin/ffmpeg"

    struct Running {
        let server: RTMPServer
        let port: Int
        let sink = RecordingSink()
        let recorder = MediaRecorder()
        let authorizer = TestAuthorizer()

        init(mediaTimeout: TimeAmount = .seconds(10), handshakeTimeout: TimeAmount = .seconds(5)) async throws {
            let configuration = RTMPServer.Configuration(
                host: "127.0.0.1", port: 0, handshakeTimeout: handshakeTimeout, mediaTimeout: mediaTimeout
            )
            server = RTMPServer(
                configuration: configuration, group: MultiThreadedEventLoopGroup.singleton,
                authorizer: authorizer, sink: sink, logger: Logger(label: "rtmp-e2e"), tap: recorder.tap
            )
            port = try await server.start()
        }

        /// Starts ffmpeg publishing `seconds` of 640x360 30 fps H.264 (B-frames, GOP 30) and AAC.
        func publish(key: String, seconds: Int) throws -> Process {
            #expect(FileManager.default.isExecutableFile(atPath: RTMPServerEndToEndTests.ffmpeg), "ffmpeg is required: apt-get install ffmpeg")
            let process = Process()
            process.executableURL = URL(fileURLWithPath: RTMPServerEndToEndTests.ffmpeg)
            process.arguments = [
                "-nostdin", "-hide_banner", "-loglevel", "error",
                "-re", "-f", "lavfi", "-i", "testsrc2=size=640x360:rate=30",
                "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000", "-t", "\(seconds)",
                "-c:v", "libx264", "-preset", "veryfast", "-g", "30", "-pix_fmt", "yuv420p", "-bf", "2",
                "-c:a", "aac", "-f", "flv", "rtmp://127.0.0.1:\(port)/live/\(key)",
            ]
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            return process
        }
    }

    static func stop(_ process: Process) {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }

    @Test func ffmpegPublishesH264AndAAC() async throws {
        // setup
        let running = try await Running()
        // act
        let ffmpeg = try running.publish(key: "secret-key", seconds: 3)
        defer { Self.stop(ffmpeg) }
        #expect(await eventually(within: 20) { !ffmpeg.isRunning })
        #expect(ffmpeg.terminationStatus == 0)
        #expect(await eventually(within: 3) { running.sink.events.current.count == 2 })
        // check: the sink saw one publish and its end
        guard case .published(let streamID, let hub, let metadata)? = running.sink.events.current.first else {
            Issue.record("published was not called")
            return
        }
        #expect(streamID == "alice")
        #expect(metadata.width == 640)
        #expect(metadata.height == 360)
        #expect(metadata.frameRate == 30)
        #expect(metadata.encoder?.hasPrefix("Lavf") == true)
        #expect(running.sink.unpublishedHubs.first === hub)
        // check: configs, then media on the publisher's timeline
        let tracks = running.recorder.tracks.current
        #expect(tracks.contains { if case .avc = $0 { true } else { false } })
        #expect(tracks.contains { if case .aac(let config) = $0 { config.sampleRate == 48000 } else { false } })
        let video = running.recorder.frames(of: .video)
        let audio = running.recorder.frames(of: .audio)
        #expect((85...95).contains(video.count))
        let keyframes = video.indices.filter { video[$0].isKeyframe }
        #expect(keyframes.count >= 3)
        #expect(keyframes.allSatisfy { $0 % 30 == 0 })
        #expect(video.contains { $0.compositionOffset > 0 })
        #expect(zip(video, video.dropFirst()).allSatisfy { $0.dts < $1.dts })
        #expect(audio.count > 120)
        #expect(zip(audio, audio.dropFirst()).allSatisfy { $0.dts <= $1.dts })
        #expect(video.allSatisfy { $0.payload.readableBytes > 4 })
        await running.server.shutdown()
    }

    @Test func wrongKeyIsRefused() async throws {
        // setup
        let running = try await Running()
        // act
        let ffmpeg = try running.publish(key: "not-the-key", seconds: 3)
        defer { Self.stop(ffmpeg) }
        // check
        #expect(await eventually(within: 10) { !ffmpeg.isRunning })
        #expect(ffmpeg.terminationStatus != 0)
        #expect(running.authorizer.asked.current == ["live/not-the-key"])
        #expect(running.sink.events.current.isEmpty)
        #expect(running.recorder.frames.current.isEmpty)
        await running.server.shutdown()
    }

    @Test func killedPublisherIsUnpublished() async throws {
        // setup
        let running = try await Running()
        let ffmpeg = try running.publish(key: "secret-key", seconds: 30)
        defer { Self.stop(ffmpeg) }
        #expect(await eventually(within: 10) { running.recorder.frames(of: .video).count > 10 })
        // act
        kill(ffmpeg.processIdentifier, SIGKILL)
        // check
        #expect(await eventually(within: 3) { running.sink.unpublishedHubs.count == 1 })
        await running.server.shutdown()
    }

    @Test func secondPublisherTakesOver() async throws {
        // setup
        let running = try await Running()
        let first = try running.publish(key: "secret-key", seconds: 30)
        defer { Self.stop(first) }
        #expect(await eventually(within: 10) { running.sink.publishedHubs.count == 1 })
        // act
        let second = try running.publish(key: "secret-key", seconds: 30)
        defer { Self.stop(second) }
        // check: the old hub ends before the new one is announced, and the old connection closes
        #expect(await eventually(within: 10) { running.sink.publishedHubs.count == 2 })
        let events = running.sink.events.current
        guard events.count == 3, case .published(_, let old, _) = events[0], case .unpublished(_, let ended) = events[1],
              case .published(_, let new, _) = events[2]
        else {
            Issue.record("expected published, unpublished, published; got \(events)")
            return
        }
        #expect(old === ended)
        #expect(old !== new)
        #expect(await eventually(within: 5) { !first.isRunning })
        #expect(second.isRunning)
        let framesBefore = running.recorder.frames.current.count
        #expect(await eventually(within: 3) { running.recorder.frames.current.count > framesBefore + 10 })
        await running.server.shutdown()
        #expect(running.sink.unpublishedHubs.last === new)
    }

    @Test func stalledPublisherTimesOut() async throws {
        // setup
        let running = try await Running(mediaTimeout: .seconds(1))
        let ffmpeg = try running.publish(key: "secret-key", seconds: 30)
        defer {
            kill(ffmpeg.processIdentifier, SIGCONT)
            Self.stop(ffmpeg)
        }
        #expect(await eventually(within: 10) { running.recorder.frames(of: .video).count > 5 })
        // act: freeze ffmpeg; its TCP connection stays open but no media comes
        kill(ffmpeg.processIdentifier, SIGSTOP)
        // check
        #expect(await eventually(within: 4) { running.sink.unpublishedHubs.count == 1 })
        await running.server.shutdown()
    }

    @Test func disconnectAndShutdownUnpublish() async throws {
        // setup
        let running = try await Running()
        let ffmpeg = try running.publish(key: "secret-key", seconds: 30)
        defer { Self.stop(ffmpeg) }
        #expect(await eventually(within: 10) { running.sink.publishedHubs.count == 1 })
        // act + check: disconnect returns after unpublished was delivered
        await running.server.disconnect(streamID: "alice")
        #expect(running.sink.unpublishedHubs.count == 1)
        await running.server.disconnect(streamID: "nobody")
        // a second publisher, ended by shutdown
        let again = try running.publish(key: "secret-key", seconds: 30)
        defer { Self.stop(again) }
        #expect(await eventually(within: 10) { running.sink.publishedHubs.count == 2 })
        await running.server.shutdown()
        #expect(running.sink.unpublishedHubs.count == 2)
    }

    @Test func silentConnectionsAreClosed() async throws {
        // setup
        let running = try await Running(handshakeTimeout: .milliseconds(300))
        // act
        let client = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connect(host: "127.0.0.1", port: running.port).get()
        // check
        #expect(await eventually(within: 3) { !client.isActive })
        await running.server.shutdown()
    }
}
