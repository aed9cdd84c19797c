import Foundation
import MetropoleMedia
import MetropoleTestSupport
import NIOCore
import Testing

/// A configuration change mid-stream (a new init segment generation), recorded from the
/// segments `onSegment` hands over: two generations, the second marked as a discontinuity, and
/// each decodes from its own init segment, as a player reads them after each `EXT-X-MAP`.
@Suite(.serialized) struct RecordedGenerationsRealPeerTests {
    static func clip(_ size: String, in directory: URL) async throws -> [FLVFile.Item] {
        try await RealPeerTests.clip(in: directory, size: size, seconds: 3)
    }

    @Test func aRecordingAcrossAResolutionChangeDecodes() async throws {
        // setup: 640x360 for 3 s, then the encoder switches to 320x240 (new SPS) for 3 s more
        let directory = try Tools.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let first = try await Self.clip("640x360", in: directory)
        let second = try await Self.clip("320x240", in: directory).map { item -> FLVFile.Item in
            guard case .frame(var frame) = item else { return item }
            frame.dts += 3000
            return .frame(frame)
        }
        let segments = Locked<[CompletedSegment]>([])
        let hub = LiveHub(name: "peer", configuration: .init(onSegment: { segment in segments.withValue { $0.append(segment) } }))
        // act
        RealPeerTests.publish(first + second, to: hub)
        // check: two generations, the second flagged
        let all = segments.current
        let generations = Array(Set(all.map(\.initGeneration))).sorted()
        #expect(generations.count == 2)
        #expect(all.filter(\.isDiscontinuity).map(\.initGeneration) == [generations[1]])
        // Each generation as a player gets it after its EXT-X-MAP: its init segment, then its
        // segments. (ffmpeg 5.1's HLS demuxer keeps the first init segment's decoder
        // configuration across a second EXT-X-MAP, so each is decoded on its own here.)
        for (generation, size) in zip(generations, ["640,360", "320,240"]) {
            var file = Data(all.first { $0.initGeneration == generation }!.initSegment.readableBytesView)
            for segment in all where segment.initGeneration == generation { for part in segment.parts { file.append(contentsOf: part.readableBytesView) } }
            let path = directory.appendingPathComponent("generation-\(generation).mp4")
            try file.write(to: path)
            let decoded = try await Tools.decode(path.path)
            #expect(decoded.status == 0)
            #expect(decoded.errors.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty, "\(decoded.errors)")
            let frames = try await Tools.run("ffprobe", ["-v", "error", "-select_streams", "v", "-show_entries", "stream=width,height",
                                                   "-of", "csv=p=0", path.path])
            #expect(frames.output.trimmingCharacters(in: .whitespacesAndNewlines) == size)
            let seconds = all.filter { $0.initGeneration == generation }.reduce(Int64(0)) { $0 + $1.duration }
            #expect(abs(seconds - 3000) <= 1000, "generation \(generation): \(seconds) ms")
        }
    }
}
