import Foundation
@testable import MetropoleMedia
import MetropoleTestSupport
import NIOCore
import Testing

/// A coalesced segment is the same media to ffprobe as the segment it came from: the same
/// packets (pts, dts, size) in each stream, from real H.264 with B-frames + AAC, and from Opus.
@Suite(.serialized) struct SegmentCoalescerRealPeerTests {
    /// The frames cut into segments at video keyframes (every `framesPerAudioSegment` frames
    /// for audio alone), roughly as the segmenter would, each written as our chunks.
    static func segments(_ frames: [MediaFrame], tracks: [FMP4Track], framesPerAudioSegment: Int = 50) -> [ByteBuffer] {
        var writer = FragmentWriter()
        var segments: [[Fragment]] = []
        for frame in frames where frame.dts >= 0 {
            guard let track = tracks.first(where: { $0.kind == frame.kind }) else { continue }
            let hasVideo = tracks.contains { $0.kind == .video }
            let starts = hasVideo ? frame.kind == .video && frame.isKeyframe : (segments.last?.count ?? framesPerAudioSegment) >= framesPerAudioSegment
            if starts || segments.isEmpty { segments.append([]) }
            segments[segments.count - 1].append(writer.fragment(for: frame, track: track))
        }
        return segments.map { $0.joined() }
    }

    /// Each stream's packets as ffprobe reads them from `initSegment` + `segment`.
    static func packets(_ initSegment: ByteBuffer, _ segment: ByteBuffer, named name: String, in directory: URL) async throws -> [String: [String]] {
        let path = directory.appendingPathComponent(name)
        var file = Data(initSegment.readableBytesView)
        file.append(contentsOf: segment.readableBytesView)
        try file.write(to: path)
        let probe = try await Tools.run("ffprobe", ["-v", "error", "-show_entries", "packet=stream_index,pts,dts,size", "-of", "csv=p=0", path.path])
        #expect(probe.status == 0 && probe.errors.isEmpty, "\(name): \(probe.errors)")
        // Streams interleave differently (one mdat per track now), so compare per stream.
        return Dictionary(grouping: probe.output.split(separator: "\n").map(String.init)) { String($0.prefix { $0 != "," }) }
    }

    static func expectSamePackets(_ initSegment: ByteBuffer, _ segment: ByteBuffer, streams: Int, in directory: URL) async throws {
        let merged = try #require(SegmentCoalescer.coalesce(segment))
        #expect(Box.parse(merged).map(\.type) == ["moof", "mdat"])
        let original = try await packets(initSegment, segment, named: "original.mp4", in: directory)
        let coalesced = try await packets(initSegment, merged, named: "coalesced.mp4", in: directory)
        #expect(original.count == streams, "\(original.keys)")
        #expect(original.values.allSatisfy { $0.count > 10 })
        #expect(coalesced == original)
    }

    @Test func ffprobeReadsTheSamePacketsFromH264AndAAC() async throws {
        // setup: a middle segment, as a seek fetches it
        let directory = try Tools.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        var configs: [TrackConfig] = []
        var frames: [MediaFrame] = []
        for item in try await RealPeerTests.clip(in: directory) {
            switch item {
            case .config(let config): configs.append(config)
            case .frame(let frame): frames.append(frame)
            }
        }
        #expect(frames.contains { $0.compositionOffset != 0 }, "the clip should have B-frames")
        let tracks = [FMP4Track(id: 1, config: try #require(configs.first { $0.kind == .video })),
                      FMP4Track(id: 2, config: try #require(configs.first { $0.kind == .audio }))]
        let segments = Self.segments(frames, tracks: tracks)
        #expect(segments.count >= RealPeerTests.seconds)
        // act, check
        try await Self.expectSamePackets(InitSegment.make(tracks: tracks), segments[segments.count / 2], streams: 2, in: directory)
    }

    @Test func ffprobeReadsTheSamePacketsFromOpus() async throws {
        // setup
        let directory = try Tools.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let opus = try await OpusRealPeerTests.opusClip(in: directory, channels: 2)
        var samples = 0
        var frames: [MediaFrame] = []
        for packet in opus.packets {
            frames.append(MediaFrame(kind: .audio, dts: Int64(samples / 48), isKeyframe: true, payload: packet))
            samples += try #require(OpusPacket.sampleCount(packet))
        }
        let tracks = [FMP4Track(id: 2, config: .opus(try OpusConfig(channelCount: opus.channelCount, preSkip: opus.preSkip)))]
        let segments = Self.segments(frames, tracks: tracks)
        #expect(segments.count >= 2)
        // act, check
        try await Self.expectSamePackets(InitSegment.make(tracks: tracks), segments[1], streams: 1, in: directory)
    }
}
