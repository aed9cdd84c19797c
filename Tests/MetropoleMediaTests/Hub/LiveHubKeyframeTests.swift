import Foundation
@testable import MetropoleMedia
import MetropoleTestSupport
import NIOCore
import Testing

/// `newestKeyframe` and `KeyframeReel`: several streams' keyframes in one fragmented MP4,
/// which a real decoder (ffmpeg) reads as one picture per second, each at its own size.
@Suite(.serialized) struct LiveHubKeyframeTests {
    /// Publishes the clip up to half-way through its last GOP and returns the hub's keyframe.
    static func keyframe(of items: [FLVFile.Item]) throws -> (LiveHub, Keyframe) {
        let hub = LiveHub(name: "keyframe")
        #expect(hub.newestKeyframe == nil)
        let lastKeyframe = items.lastIndex { item in
            if case .frame(let frame) = item { return frame.kind == .video && frame.isKeyframe }
            return false
        } ?? 0
        for item in items.prefix(lastKeyframe + 15) {
            switch item {
            case .config(let config): hub.setTrack(config)
            case .frame(let frame): hub.ingest(frame)
            }
        }
        return (hub, try #require(hub.newestKeyframe))
    }

    @Test func twoStreamsKeyframesBackToBackAreTwoPicturesForFFmpeg() async throws {
        // setup: two streams of different sizes
        let directory = try Tools.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let (hub, wide) = try Self.keyframe(of: try await RealPeerTests.clip(in: directory, size: "640x360", seconds: 3))
        let (_, small) = try Self.keyframe(of: try await RealPeerTests.clip(in: directory, size: "320x240", seconds: 3))
        // act: one reel holding the first, the second and the first again
        let path = directory.appendingPathComponent("reel.mp4").path
        try Data(KeyframeReel.make([wide, small, wide]).readableBytesView).write(to: URL(fileURLWithPath: path))
        let probe = try await Tools.run("ffprobe", [
            "-v", "error", "-show_entries", "frame=key_frame,pts_time,width,height", "-of", "csv=p=0", path,
        ])
        // check: three key pictures, a second apart, at their own sizes
        #expect(probe.status == 0 && probe.errors.isEmpty, "\(probe.errors)")
        let frames = probe.output.split(separator: "\n").map { $0.split(separator: ",").map(String.init) }
        #expect(frames.map { $0.first } == ["1", "1", "1"], "\(probe.output)")
        #expect(frames.map { $0.dropFirst().joined(separator: ",") } == ["0.000000,640,360", "1.000000,320,240", "2.000000,640,360"],
                "\(probe.output)")

        hub.finish()
        #expect(hub.newestKeyframe == nil, "an ended stream has no picture")
    }

    @Test func audioOnlyStreamsHaveNoKeyframe() throws {
        let hub = LiveHub(name: "audio", configuration: .init(audioOnlyDecisionDelay: 0))
        hub.setTrack(try MediaSamples.audioConfig())
        for index in 0..<100 {
            hub.ingest(MediaSamples.audio(Int64(index) * 21))
        }
        #expect(hub.initSegment != nil)
        #expect(hub.newestKeyframe == nil)
    }
}

/// `Keyframe` on what publishers may send instead of a clean keyframe.
@Suite struct KeyframeTests {
    static let record = try! AVCDecoderConfigurationRecord(
        sequenceParameterSets: [ByteBuffer(bytes: MediaSamples.sps720p)],
        pictureParameterSets: [ByteBuffer(bytes: MediaSamples.pps720p)]
    )

    /// Length-prefixed NAL units.
    static func sample(_ units: [[UInt8]], lengthSize: Int = 4) -> ByteBuffer {
        var buffer = ByteBuffer()
        for unit in units {
            buffer.writeBytes((0..<lengthSize).reversed().map { UInt8(truncatingIfNeeded: unit.count >> ($0 * 8)) })
            buffer.writeBytes(unit)
        }
        return buffer
    }

    static let parameterSets = sample([MediaSamples.sps720p, MediaSamples.pps720p])

    @Test func theParameterSetsGoInBandAndDelimitersEndsAndFillerOut() throws {
        let keyframe = try #require(Keyframe(sample: Self.sample([[0x09, 0x10], [0x06, 0x05, 0x01, 0x80], [0x65, 0x88, 0x84], [0x0A], [0x0C, 0xFF], [0x0B]]),
                                             record: Self.record))
        var expected = Self.parameterSets
        expected.writeImmutableBuffer(Self.sample([[0x06, 0x05, 0x01, 0x80], [0x65, 0x88, 0x84]]))
        #expect(keyframe.sample == expected)
    }

    @Test func twoByteLengthsBecomeFour() throws {
        let record = try AVCDecoderConfigurationRecord(sequenceParameterSets: [ByteBuffer(bytes: MediaSamples.sps720p)],
                                                       pictureParameterSets: [ByteBuffer(bytes: MediaSamples.pps720p)], nalLengthSize: 2)
        let keyframe = try #require(Keyframe(sample: Self.sample([[0x65, 0x88, 0x84]], lengthSize: 2), record: record))
        var expected = Self.parameterSets
        expected.writeImmutableBuffer(Self.sample([[0x65, 0x88, 0x84]]))
        #expect(keyframe.sample == expected)
    }

    @Test func whatIsNotAKeyframeIsRefused() {
        let refused: [(String, ByteBuffer)] = [
            ("no IDR slice", Self.sample([[0x41, 0x9A, 0x02]])),
            ("only parameter sets", Self.parameterSets),
            ("an empty unit", Self.sample([[], [0x65, 0x88]])),
            ("a length past the end", ByteBuffer(bytes: [0, 0, 0, 9, 0x65, 0x88])),
            ("a cut length", ByteBuffer(bytes: [0, 0, 0, 2, 0x65, 0x88, 0, 0])),
            ("nothing", ByteBuffer()),
        ]
        for (why, sample) in refused {
            #expect(Keyframe(sample: sample, record: Self.record) == nil, "\(why)")
        }
    }
}
