import Foundation
import MetropoleMedia
import MetropoleTestSupport
import NIOCore
import Testing

/// `keyframeSnapshot`: the init segment and the GOP since the last keyframe, which a real
/// decoder (ffmpeg) opens at that keyframe.
@Suite(.serialized) struct LiveHubSnapshotTests {
    @Test func aSnapshotIsTheInitSegmentAndTheLastGOPAndFFmpegDecodesIt() async throws {
        // setup: 4 s of the real-peer clip (keyframe every second), the last GOP cut short
        let directory = try Tools.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let items = try await RealPeerTests.clip(in: directory)
        let hub = LiveHub(name: "snapshot")
        #expect(hub.keyframeSnapshot == nil)
        var videoSinceKeyframe = 0
        var lastKeyframeIndex = 0
        for (index, item) in items.enumerated() {
            if case .frame(let frame) = item, frame.kind == .video, frame.isKeyframe { lastKeyframeIndex = index }
        }
        // act: stop half-way through the last GOP
        for item in items.prefix(lastKeyframeIndex + 30) {
            switch item {
            case .config(let config): hub.setTrack(config)
            case .frame(let frame):
                hub.ingest(frame)
                if frame.kind == .video { videoSinceKeyframe = frame.isKeyframe ? 1 : videoSinceKeyframe + 1 }
            }
        }
        let snapshot = try #require(hub.keyframeSnapshot)

        // check: it starts with the init segment and ffmpeg reads exactly the GOP's video frames
        let initSegment = try #require(hub.initSegment)
        #expect(snapshot.getSlice(at: snapshot.readerIndex, length: initSegment.readableBytes) == initSegment)
        let path = directory.appendingPathComponent("snapshot.mp4").path
        try Data(snapshot.readableBytesView).write(to: URL(fileURLWithPath: path))
        let probe = try await Tools.run("ffprobe", [
            "-v", "error", "-select_streams", "v", "-count_packets", "-show_entries", "stream=codec_name,width,nb_read_packets",
            "-of", "default=noprint_wrappers=1", path,
        ])
        #expect(probe.status == 0 && probe.errors.isEmpty, "\(probe.errors)")
        let lines = Set(probe.output.split(separator: "\n").map(String.init))
        #expect(lines.isSuperset(of: ["codec_name=h264", "width=640", "nb_read_packets=\(videoSinceKeyframe)"]), "\(probe.output)")
        #expect(videoSinceKeyframe > 1 && videoSinceKeyframe < 30)

        hub.finish()
        #expect(hub.keyframeSnapshot == nil, "an ended stream has no picture")
    }

    @Test func audioOnlyStreamsHaveNoSnapshot() throws {
        let hub = LiveHub(name: "audio", configuration: .init(audioOnlyDecisionDelay: 0))
        hub.setTrack(try MediaSamples.audioConfig())
        for index in 0..<100 {
            hub.ingest(MediaSamples.audio(Int64(index) * 21))
        }
        #expect(hub.initSegment != nil)
        #expect(hub.keyframeSnapshot == nil)
    }
}
