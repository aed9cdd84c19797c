@testable import MetropoleMedia
import NIOCore
import Testing

@Suite struct FragmentWriterTests {
    /// The fields of a single-sample fragment, read back box by box.
    struct Parsed {
        var sequenceNumber: UInt32
        var trackID: UInt32
        var tfhdFlags: UInt32
        var decodeTime: UInt64
        var trunVersion: UInt8
        var trunFlags: UInt32
        var dataOffset: Int32
        var duration: UInt32
        var size: UInt32
        var sampleFlags: UInt32
        var compositionOffset: Int32
        var payloadAtDataOffset: ByteBuffer
    }

    static func parse(_ fragment: Fragment) throws -> Parsed {
        let whole = fragment.bytes
        let boxes = Box.parse(whole)
        #expect(boxes.map(\.type) == ["moof", "mdat"])
        let moof = try #require(boxes.first("moof"))
        #expect(moof.children.map(\.type) == ["mfhd", "traf"])
        let traf = try #require(moof.child("traf"))
        #expect(traf.children.map(\.type) == ["tfhd", "tfdt", "trun"])
        let tfhd = try #require(traf.child("tfhd"))
        let tfdt = try #require(traf.child("tfdt"))
        #expect(tfdt.version == 1)
        let trun = try #require(traf.child("trun"))
        #expect(trun.uint32(at: 4) == 1) // sample_count
        let dataOffset = trun.int32(at: 8)
        // default-base-is-moof: the offset counts from the moof's first byte.
        let payload = whole.getSlice(at: moof.offset + Int(dataOffset), length: Int(trun.uint32(at: 16)))!
        return Parsed(
            sequenceNumber: try #require(moof.child("mfhd")).uint32(at: 4),
            trackID: tfhd.uint32(at: 4),
            tfhdFlags: tfhd.flags,
            decodeTime: tfdt.uint64(at: 4),
            trunVersion: trun.version,
            trunFlags: trun.flags,
            dataOffset: dataOffset,
            duration: trun.uint32(at: 12),
            size: trun.uint32(at: 16),
            sampleFlags: trun.uint32(at: 20),
            compositionOffset: trun.int32(at: 24),
            payloadAtDataOffset: payload
        )
    }

    @Test func writesEveryFieldOfAVideoFragment() throws {
        let track = FMP4Track(id: 1, config: try MediaSamples.videoConfig())
        var writer = FragmentWriter(firstSequenceNumber: 5)
        let frame = MediaSamples.video(2000, key: true, cto: 66, size: 1234)
        let fragment = writer.fragment(for: frame, track: track)
        #expect(fragment.header.readableBytes == 112)
        #expect(fragment.byteCount == 112 + 1234)
        // Zero copy: the payload is the publisher's buffer itself.
        #expect(fragment.payload == frame.payload)

        let parsed = try Self.parse(fragment)
        #expect(parsed.sequenceNumber == 5)
        #expect(parsed.trackID == 1)
        #expect(parsed.tfhdFlags == 0x02_0000)
        #expect(parsed.decodeTime == 180_000)
        #expect(parsed.trunVersion == 1)
        #expect(parsed.trunFlags == 0x000F01)
        #expect(parsed.dataOffset == 112)
        #expect(parsed.size == 1234)
        #expect(parsed.payloadAtDataOffset == frame.payload)
        #expect(parsed.sampleFlags == 0x0200_0000)
        #expect(parsed.compositionOffset == 66 * 90)
        // First frame: duration from the SPS frame rate (30 fps).
        #expect(parsed.duration == 3000)
    }

    @Test func predictsVideoDurationFromTheLastInterval() throws {
        let track = FMP4Track(id: 1, config: try MediaSamples.videoConfig())
        var writer = FragmentWriter()
        _ = writer.fragment(for: MediaSamples.video(0, key: true), track: track)
        let second = try Self.parse(writer.fragment(for: MediaSamples.video(40), track: track))
        #expect(second.sequenceNumber == 2)
        #expect(second.duration == 40 * 90)
        #expect(second.sampleFlags == 0x0101_0000) // not a sync sample
        let third = try Self.parse(writer.fragment(for: MediaSamples.video(73), track: track))
        #expect(third.duration == 33 * 90)
    }

    @Test func writesNegativeCompositionOffsets() throws {
        let track = FMP4Track(id: 1, config: try MediaSamples.videoConfig())
        var writer = FragmentWriter()
        let parsed = try Self.parse(writer.fragment(for: MediaSamples.video(100, cto: -33), track: track))
        #expect(parsed.compositionOffset == -2970)
    }

    @Test func givesAudioExactAACFrameDurations() throws {
        let track = FMP4Track(id: 2, config: try MediaSamples.audioConfig())
        var writer = FragmentWriter()
        let fragment = writer.fragment(for: MediaSamples.audio(1021, size: 300), track: track)
        let parsed = try Self.parse(fragment)
        #expect(parsed.trackID == 2)
        #expect(parsed.decodeTime == 1021 * 48)
        #expect(parsed.duration == 1024)
        #expect(parsed.sampleFlags == 0x0200_0000)
        #expect(parsed.compositionOffset == 0)
        #expect(abs(fragment.duration - 21.333) < 0.001)
        #expect(fragment.isKeyframe)
    }

    @Test func joinsFragmentsIntoOneBuffer() throws {
        let track = FMP4Track(id: 2, config: try MediaSamples.audioConfig())
        var writer = FragmentWriter()
        let fragments = [writer.fragment(for: MediaSamples.audio(0), track: track), writer.fragment(for: MediaSamples.audio(21), track: track)]
        let joined = fragments.joined()
        #expect(joined.readableBytes == fragments[0].byteCount + fragments[1].byteCount)
        #expect(Box.parse(joined).map(\.type) == ["moof", "mdat", "moof", "mdat"])
    }
}
