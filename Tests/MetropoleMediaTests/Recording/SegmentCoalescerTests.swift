@testable import MetropoleMedia
import NIOCore
import Testing

/// `SegmentCoalescer`: a segment of per-frame chunks, as `FragmentWriter` writes them, becomes
/// one `moof` with a `traf` per track and one `mdat`; anything else it leaves alone (`nil`).
@Suite struct SegmentCoalescerTests {
    /// A frame whose bytes differ from every other frame's, so order mistakes show.
    static func frame(_ kind: TrackKind, _ dts: Int64, key: Bool = false, cto: Int32 = 0, size: Int) -> MediaFrame {
        let bytes = (0..<size).map { UInt8(truncatingIfNeeded: Int(dts) &* 7 &+ $0) }
        return MediaFrame(kind: kind, dts: dts, compositionOffset: cto, isKeyframe: key || kind == .audio, payload: ByteBuffer(bytes: bytes))
    }

    /// Video at an uneven ~30 fps with B-frame offsets, AAC every 21 or 22 ms (the written
    /// 1024-tick durations are then slightly wrong), interleaved by decode time.
    static let videoFrames = [
        frame(.video, 1000, key: true, cto: 66, size: 300),
        frame(.video, 1033, cto: -33, size: 120),
        frame(.video, 1067, cto: 33, size: 130),
        frame(.video, 1100, size: 140),
    ]
    static let audioFrames = [1000, 1021, 1043, 1064, 1085, 1107].map { frame(.audio, Int64($0), size: 20 + Int($0 % 7)) }

    /// The frames as one segment of chunks, in decode order (video first on a tie).
    static func segment(_ frames: [MediaFrame], tracks: (video: FMP4Track, audio: FMP4Track), firstSequenceNumber: UInt32 = 7) -> (ByteBuffer, [Fragment]) {
        var writer = FragmentWriter(firstSequenceNumber: firstSequenceNumber)
        let ordered = frames.enumerated().sorted { ($0.element.dts, $0.offset) < ($1.element.dts, $1.offset) }.map(\.element)
        let fragments = ordered.map { writer.fragment(for: $0, track: $0.kind == .video ? tracks.video : tracks.audio) }
        return (fragments.joined(), fragments)
    }

    static func aacTracks() throws -> (video: FMP4Track, audio: FMP4Track) {
        (FMP4Track(id: 1, config: try MediaSamples.videoConfig()), FMP4Track(id: 2, config: try MediaSamples.audioConfig()))
    }

    /// One track's `trun` entries: (duration, size, flags, composition offset).
    struct Entry: Equatable {
        var duration: UInt32
        var size: UInt32
        var flags: UInt32
        var compositionOffset: Int32
    }

    static func entries(_ trun: Box) -> [Entry] {
        (0..<Int(trun.uint32(at: 4))).map { index in
            let at = 12 + 16 * index
            return Entry(duration: trun.uint32(at: at), size: trun.uint32(at: at + 4), flags: trun.uint32(at: at + 8),
                         compositionOffset: trun.int32(at: at + 12))
        }
    }

    /// Durations in ticks from the decode times in milliseconds; the last is the written one.
    static func durations(_ frames: [MediaFrame], ticksPerMillisecond: UInt32, last: UInt32) -> [UInt32] {
        zip(frames, frames.dropFirst()).map { UInt32($1.dts - $0.dts) * ticksPerMillisecond } + [last]
    }

    /// The one `moof` and one `mdat` of a coalesced segment, and the moof's trafs.
    static func parts(_ merged: ByteBuffer) throws -> (moof: Box, trafs: [Box], mdat: Box) {
        let boxes = Box.parse(merged)
        #expect(boxes.map(\.type) == ["moof", "mdat"])
        let moof = try #require(boxes.first("moof"))
        #expect(moof.children.first?.type == "mfhd")
        return (moof, moof.children.filter { $0.type == "traf" }, try #require(boxes.first("mdat")))
    }

    @Test func mergesAVCAndAACChunksIntoOneMoofWithATrafPerTrack() throws {
        // setup
        let tracks = try Self.aacTracks()
        let (segment, fragments) = Self.segment(Self.videoFrames + Self.audioFrames, tracks: tracks)
        #expect(Box.parse(segment).count == 20)
        // act
        let merged = try #require(SegmentCoalescer.coalesce(segment))
        // check
        let (moof, trafs, mdat) = try Self.parts(merged)
        #expect(moof.children.map(\.type) == ["mfhd", "traf", "traf"])
        #expect(try #require(moof.child("mfhd")).uint32(at: 4) == 7)
        for (traf, id) in zip(trafs, [UInt32(1), 2]) {
            #expect(traf.children.map(\.type) == ["tfhd", "tfdt", "trun"])
            let tfhd = try #require(traf.child("tfhd"))
            #expect(tfhd.flags == 0x02_0000 && tfhd.uint32(at: 4) == id)
            let tfdt = try #require(traf.child("tfdt"))
            #expect(tfdt.version == 1 && tfdt.uint64(at: 4) == 1000 * (id == 1 ? 90 : 48))
            let trun = try #require(traf.child("trun"))
            #expect(trun.version == 1 && trun.flags == 0x00_0F01)
        }

        let video = Self.entries(try #require(trafs[0].child("trun")))
        #expect(video.map(\.duration) == Self.durations(Self.videoFrames, ticksPerMillisecond: 90, last: 33 * 90))
        #expect(video.map(\.size) == Self.videoFrames.map { UInt32($0.payload.readableBytes) })
        #expect(video.map(\.flags) == [0x0200_0000, 0x0101_0000, 0x0101_0000, 0x0101_0000])
        #expect(video.map(\.compositionOffset) == Self.videoFrames.map { $0.compositionOffset * 90 })
        let audio = Self.entries(try #require(trafs[1].child("trun")))
        #expect(audio.map(\.duration) == Self.durations(Self.audioFrames, ticksPerMillisecond: 48, last: 1024))
        #expect(audio.map(\.size) == Self.audioFrames.map { UInt32($0.payload.readableBytes) })
        #expect(audio.allSatisfy { $0.flags == 0x0200_0000 && $0.compositionOffset == 0 })

        // Each track's samples together, video first, where each trun's data offset says.
        #expect(Array(mdat.body.readableBytesView) == (Self.videoFrames + Self.audioFrames).flatMap { Array($0.payload.readableBytesView) })
        var expectedOffset = mdat.offset + 8
        for (traf, frames) in zip(trafs, [Self.videoFrames, Self.audioFrames]) {
            #expect(moof.offset + Int(try #require(traf.child("trun")).int32(at: 8)) == expectedOffset)
            expectedOffset += frames.reduce(0) { $0 + $1.payload.readableBytes }
        }
        // The same payload bytes, only without the per-chunk headers.
        #expect(merged.readableBytes < segment.readableBytes)
        #expect(mdat.body.readableBytes == fragments.reduce(0) { $0 + $1.payload.readableBytes })
    }

    @Test func keepsTheOpusRollGroupForEverySample() throws {
        // setup: 20 ms Opus packets (TOC 0xFC) next to the video
        let opus = FMP4Track(id: 2, config: .opus(try OpusConfig(channelCount: 2, preSkip: 312)))
        let packets = [1000, 1020, 1040, 1061, 1080].map { dts in
            MediaFrame(kind: .audio, dts: Int64(dts), isKeyframe: true, payload: ByteBuffer(bytes: [0xFC] + [UInt8](repeating: UInt8(dts % 251), count: 40)))
        }
        let (segment, _) = Self.segment(Self.videoFrames + packets, tracks: (FMP4Track(id: 1, config: try MediaSamples.videoConfig()), opus))
        // act
        let merged = try #require(SegmentCoalescer.coalesce(segment))
        // check
        let trafs = try Self.parts(merged).trafs
        #expect(trafs.map { $0.children.map(\.type) } == [["tfhd", "tfdt", "trun"], ["tfhd", "tfdt", "trun", "sbgp"]])
        let sbgp = try #require(trafs[1].child("sbgp"))
        #expect(sbgp.fourCC(at: 4) == "roll")
        #expect([sbgp.uint32(at: 8), sbgp.uint32(at: 12), sbgp.uint32(at: 16)] == [1, 5, 1])
        let audio = Self.entries(try #require(trafs[1].child("trun")))
        #expect(audio.map(\.duration) == Self.durations(packets, ticksPerMillisecond: 48, last: 960))
        #expect(try #require(trafs[1].child("tfdt")).uint64(at: 4) == 1000 * 48)
    }

    @Test func anAudioOnlySegmentBecomesOneMoof() throws {
        // setup
        let (segment, _) = Self.segment(Self.audioFrames, tracks: try Self.aacTracks(), firstSequenceNumber: 1)
        // act
        let merged = try #require(SegmentCoalescer.coalesce(segment))
        // check
        let trafs = try Self.parts(merged).trafs
        #expect(trafs.count == 1)
        #expect(Self.entries(try #require(trafs.first?.child("trun"))).count == Self.audioFrames.count)
    }

    @Test func leavesWhatItDoesNotKnowAlone() throws {
        // setup
        let (segment, fragments) = Self.segment(Self.videoFrames + Self.audioFrames, tracks: try Self.aacTracks())
        func changed(_ edit: (inout ByteBuffer) -> Void) -> ByteBuffer {
            var copy = segment
            edit(&copy)
            return copy
        }
        let trunSizeField = 8 + 16 + 8 + 16 + 20 + 8 + 4 + 4 + 4 + 4 // moof, mfhd, traf, tfhd, tfdt, trun header, count, offset, duration
        let cases: [String: ByteBuffer] = [
            "empty": ByteBuffer(),
            "text": ByteBuffer(string: "#EXTM3U\n#EXT-X-ENDLIST\n"),
            "cut short": segment.getSlice(at: 0, length: segment.readableBytes - 1)!,
            "a box after the chunks": changed { $0.writeBytes([0, 0, 0, 8] + Array("free".utf8)) },
            "a moof without its mdat": fragments[0].header.getSlice(at: 0, length: FragmentWriter.moofSize)!,
            "a sample size that is not the mdat's": changed { $0.setInteger(UInt32(299), at: trunSizeField) },
            "an mdat size of zero": changed { $0.setInteger(UInt32(0), at: FragmentWriter.moofSize) },
            "a tfhd with a base data offset": changed { $0.setInteger(UInt8(0x01), at: 8 + 16 + 8 + 11) },
            "a trun of version 0": changed { $0.setInteger(UInt8(0), at: 8 + 16 + 8 + 16 + 20 + 8) },
            "an unknown box in the traf": changed { $0.setString("free", at: 8 + 16 + 8 + 16 + 4) },
        ]
        for (name, input) in cases {
            // act, check
            #expect(SegmentCoalescer.coalesce(input) == nil, "\(name)")
        }
        // Decode times going backwards within a track.
        let video = fragments.filter { $0.kind == .video }
        let backwards = [video[1], video[0]].joined()
        #expect(SegmentCoalescer.coalesce(backwards) == nil)
    }

    @Test func survivesEveryTruncationAndEveryByteChanged() throws {
        // setup: one video and one Opus chunk, so the sbgp path is covered too
        let opus = FMP4Track(id: 2, config: .opus(try OpusConfig(channelCount: 1, preSkip: 312)))
        let packet = MediaFrame(kind: .audio, dts: 1000, isKeyframe: true, payload: ByteBuffer(bytes: [0xFC, 1, 2, 3]))
        let (segment, fragments) = Self.segment([Self.videoFrames[0], packet], tracks: (FMP4Track(id: 1, config: try MediaSamples.videoConfig()), opus))
        #expect(SegmentCoalescer.coalesce(segment) != nil)
        // act, check: nothing traps, and every cut but the one between the chunks is refused
        for length in 0..<segment.readableBytes where length != fragments[0].byteCount {
            #expect(SegmentCoalescer.coalesce(segment.getSlice(at: 0, length: length)!) == nil, "cut at \(length)")
        }
        for index in 0..<segment.readableBytes {
            for value: UInt8 in [0x00, 0x7F, 0xFF] {
                var copy = segment
                copy.setInteger(value, at: index)
                _ = SegmentCoalescer.coalesce(copy)
            }
        }
    }
}
