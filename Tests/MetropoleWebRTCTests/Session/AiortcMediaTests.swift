import MetropoleTestSupport
import Foundation
import MetropoleMedia
import NIOCore
import Testing

@testable import MetropoleWebRTC

/// aiortc's H.264 and Opus, through our whole ingest (ICE, DTLS, SRTP, depacketizers, hub),
/// come out as fMP4 that ffprobe reads as h264 + opus and ffmpeg decodes without error: what
/// a viewer of a WHIP stream receives.
@Suite(.serialized) struct AiortcMediaTests {
    @Test func h264AndOpusReachTheHubAndDecode() async throws {
        // setup
        let harness = try await AiortcInteropTests.harness()
        let peer = try AiortcPeer(arguments: ["--seconds", "30"])
        defer { peer.kill() }
        let directory = try Tools.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }

        // act: publish, watch the hub as a WebSocket viewer would, for a few seconds.
        let session = try await harness.server.publish(offer: try await peer.offer(), streamKey: "secret-key", remoteAddress: "127.0.0.1")
        try peer.send(answer: session.answer)
        #expect(await eventually(within: 15) { harness.sink.published.count == 1 }, "aiortc: \(peer.states) \(peer.stderr)")
        let hub = try #require(harness.sink.published.first?.hub)
        // A viewer that subscribed before the tracks were known is sent `.restart` when they
        // are, and subscribes again, as the player does; so does one dropped as too slow (a
        // task may start late on a busy machine). The first subscription is made here, not in
        // the task: one made after the stream ended would see only `.end`.
        let first = hub.subscribe()
        let viewer = Task {
            var resubscriptions = 0
            var subscription = first
            var seen: [String] = []
            while true {
                var file = ByteBuffer()
                var again = false
                for await delivery in subscription {
                    switch delivery {
                    case .initSegment(var initSegment): file.writeBuffer(&initSegment); seen.append("init")
                    case .fragments(let fragments): for fragment in fragments { fragment.write(into: &file) }
                    case .restart: again = true; seen.append("restart")
                    case .dropped: again = true; seen.append("dropped")
                    case .end: seen.append("end")
                    }
                }
                guard again, resubscriptions < 5 else { return (file, seen) }
                resubscriptions += 1
                subscription = hub.subscribe()
            }
        }
        let enough = await eventually(within: 15) {
            let frames = harness.frames.current
            return frames.filter { $0.kind == .video }.count >= 60 && frames.filter { $0.kind == .audio }.count >= 100
        }
        #expect(enough, "frames: \(harness.frames.current.count), tracks: \(harness.tracks.current)")
        let started = Date()
        #expect(await harness.server.end(sessionID: session.sessionID))
        let ending = Date().timeIntervalSince(started)
        let (file, seen) = await viewer.value

        // check: the hub got an AVC track from the in-band SPS, keyframes, and Opus.
        let tracks = harness.tracks.current
        #expect(tracks.contains { if case .avc = $0 { true } else { false } }, "\(tracks)")
        #expect(tracks.contains { if case .opus = $0 { true } else { false } }, "\(tracks)")
        let frames = harness.frames.current
        #expect(frames.first { $0.kind == .video }?.isKeyframe == true)
        #expect(frames.contains { $0.kind == .video && !$0.isKeyframe })
        #expect(ending < 1, "end took \(ending) s")
        #expect(hub.isFinished)
        #expect(harness.sink.sequence == ["p0", "u0"])

        let path = directory.appendingPathComponent("whip.mp4").path
        try Data(file.readableBytesView).write(to: URL(fileURLWithPath: path))
        let probe = try await Tools.run("ffprobe", [
            "-v", "error", "-show_entries", "stream=codec_name,width,height,sample_rate", "-of", "default=noprint_wrappers=1", path,
        ])
        #expect(probe.status == 0, "\(probe.errors) (the viewer saw \(seen))")
        let lines = Set(probe.output.split(separator: "\n").map(String.init))
        #expect(lines.isSuperset(of: ["codec_name=h264", "codec_name=opus", "width=320", "height=240", "sample_rate=48000"]), "\(probe.output)")
        let decode = try await Tools.decode(path)
        #expect(decode.status == 0, "\(decode.errors)")
        #expect(decode.errors.isEmpty, "\(decode.errors)")

        await harness.server.shutdown()
        try await harness.group.shutdownGracefully()
    }
}
