import Foundation
@testable import MetropoleMedia
import NIOCore
import Testing

@Suite struct LLHLSSegmenterTests {
    /// 2023-11-14T22:13:20.000Z
    static let wallClock: Int64 = 1_700_000_000_000

    /// Video every 40 ms with a keyframe every second, fragmented for real.
    static func segmenter(until end: Int64, configuration: LLHLSConfiguration) throws -> LLHLSSegmenter {
        let track = FMP4Track(id: 1, config: try MediaSamples.videoConfig())
        var writer = FragmentWriter()
        var segmenter = LLHLSSegmenter(configuration: configuration)
        segmenter.begin(initGeneration: 0, hasVideo: true)
        for dts in stride(from: Int64(0), through: end, by: 40) {
            let fragment = writer.fragment(for: MediaSamples.video(dts, key: dts % 1000 == 0), track: track)
            segmenter.append(fragment, wallClock: wallClock)
        }
        return segmenter
    }

    static let windowOfThree = LLHLSConfiguration(partTarget: 300, segmentWindow: 3, segmentsWithParts: 2)

    @Test func rendersPartsSegmentsAndPreloadHint() throws {
        var segmenter = try Self.segmenter(until: 4360, configuration: Self.windowOfThree)
        let parts = [
            "#EXT-X-PART:DURATION=0.280,URI=\"b/part{n}.0.m4s\",INDEPENDENT=YES",
            "#EXT-X-PART:DURATION=0.280,URI=\"b/part{n}.1.m4s\"",
            "#EXT-X-PART:DURATION=0.280,URI=\"b/part{n}.2.m4s\"",
            "#EXT-X-PART:DURATION=0.160,URI=\"b/part{n}.3.m4s\"",
        ].joined(separator: "\n")
        let expected = """
            #EXTM3U
            #EXT-X-VERSION:6
            #EXT-X-TARGETDURATION:2
            #EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,PART-HOLD-BACK=0.900
            #EXT-X-PART-INF:PART-TARGET=0.300
            #EXT-X-MEDIA-SEQUENCE:1
            #EXT-X-MAP:URI="b/init.mp4"
            #EXT-X-PROGRAM-DATE-TIME:2023-11-14T22:13:21.000Z
            #EXTINF:1.000,
            b/seg1.m4s
            #EXT-X-PROGRAM-DATE-TIME:2023-11-14T22:13:22.000Z
            \(parts.replacingOccurrences(of: "{n}", with: "2"))
            #EXTINF:1.000,
            b/seg2.m4s
            #EXT-X-PROGRAM-DATE-TIME:2023-11-14T22:13:23.000Z
            \(parts.replacingOccurrences(of: "{n}", with: "3"))
            #EXTINF:1.000,
            b/seg3.m4s
            #EXT-X-PROGRAM-DATE-TIME:2023-11-14T22:13:24.000Z
            #EXT-X-PART:DURATION=0.280,URI="b/part4.0.m4s",INDEPENDENT=YES
            #EXT-X-PRELOAD-HINT:TYPE=PART,URI="b/part4.1.m4s"

            """
        #expect(LLHLSPlaylist.render(segmenter, broadcast: "b") == expected)
    }

    @Test func slidesTheMediaSequenceAndEndsWithEndList() throws {
        var segmenter = try Self.segmenter(until: 6960, configuration: Self.windowOfThree)
        #expect(segmenter.segments.map(\.msn) == [3, 4, 5])
        #expect(segmenter.current?.msn == 6)
        segmenter.finish()
        let text = LLHLSPlaylist.render(segmenter, broadcast: "b")
        #expect(text.contains("#EXT-X-MEDIA-SEQUENCE:4\n"))
        #expect(text.hasSuffix("#EXTINF:1.000,\nb/seg6.m4s\n#EXT-X-ENDLIST\n"))
        #expect(!text.contains("PRELOAD-HINT"))
        #expect(!text.contains("part4."))
    }

    @Test func segmentIsTheConcatenationOfItsParts() throws {
        var segmenter = try Self.segmenter(until: 2000, configuration: .init())
        guard case .ready(let segment) = segmenter.lookup(msn: 1, part: nil) else {
            Issue.record("segment 1 missing")
            return
        }
        var parts = ByteBuffer()
        for index in 0..<4 {
            guard case .ready(var part) = segmenter.lookup(msn: 1, part: index) else {
                Issue.record("part 1.\(index) missing")
                return
            }
            parts.writeBuffer(&part)
        }
        #expect(segment == parts)
        // 25 one-frame fragments, each a moof + mdat.
        #expect(Box.parse(segment).count == 50)
    }

    @Test func answersWhatIsThereYet() throws {
        var segmenter = try Self.segmenter(until: 4360, configuration: Self.windowOfThree)
        #expect(segmenter.contains(msn: 4, part: 0))
        #expect(!segmenter.contains(msn: 4, part: 1))
        #expect(!segmenter.contains(msn: 4, part: nil))
        #expect(segmenter.contains(msn: 3, part: nil))
        // Past the last part of segment 3 means part 0 of segment 4 (RFC 8216bis 6.2.5.2).
        #expect(segmenter.contains(msn: 3, part: 9))
        #expect(!segmenter.contains(msn: 5, part: 0))

        if case .pending = segmenter.lookup(msn: 4, part: 1) {} else { Issue.record("hinted part not pending") }
        if case .missing = segmenter.lookup(msn: 4, part: 2) {} else { Issue.record("part 4.2 should be missing") }
        if case .missing = segmenter.lookup(msn: 1, part: 0) {} else { Issue.record("old parts are released") }
        if case .ready = segmenter.lookup(msn: 1, part: nil) {} else { Issue.record("seg1 in window") }
        if case .missing = segmenter.lookup(msn: 0, part: nil) {} else { Issue.record("seg0 slid out") }
    }

    @Test func cutsAudioOnlyStreamsByTime() throws {
        let track = FMP4Track(id: 2, config: try MediaSamples.audioConfig())
        var writer = FragmentWriter()
        var segmenter = LLHLSSegmenter(configuration: .init(partTarget: 300, audioOnlySegmentDuration: 2000))
        segmenter.begin(initGeneration: 0, hasVideo: false)
        for index in 0..<300 {
            let dts = Int64(index) * 64 / 3 // 21.33 ms AAC frames, as RTMP rounds them
            segmenter.append(writer.fragment(for: MediaSamples.audio(dts), track: track), wallClock: Self.wallClock)
        }
        #expect(segmenter.segments.count == 3)
        for segment in segmenter.segments {
            #expect(segment.duration >= 2000 && segment.duration < 2030)
            #expect(segment.parts.allSatisfy { $0.isIndependent && $0.duration <= 300 })
        }
    }

    @Test func growsTargetDurationForLongKeyframeIntervals() throws {
        let track = FMP4Track(id: 1, config: try MediaSamples.videoConfig())
        var writer = FragmentWriter()
        var segmenter = LLHLSSegmenter(configuration: .init())
        segmenter.begin(initGeneration: 0, hasVideo: true)
        for dts in stride(from: Int64(0), through: 8000, by: 40) {
            segmenter.append(writer.fragment(for: MediaSamples.video(dts, key: dts % 4000 == 0), track: track), wallClock: 0)
        }
        #expect(segmenter.targetDuration == 4)
        #expect(LLHLSPlaylist.render(segmenter, broadcast: "b").contains("#EXT-X-TARGETDURATION:4\n"))
    }

    @Test func keepsOnlyTheLiveWindowOfThreeTargetDurations() throws {
        let track = FMP4Track(id: 1, config: try MediaSamples.videoConfig())
        func segmenter(keyframeEvery interval: Int64) -> LLHLSSegmenter {
            var writer = FragmentWriter()
            var segmenter = LLHLSSegmenter(configuration: .init())
            segmenter.begin(initGeneration: 0, hasVideo: true)
            for dts in stride(from: Int64(0), through: 30_000, by: 40) {
                segmenter.append(writer.fragment(for: MediaSamples.video(dts, key: dts % interval == 0), track: track), wallClock: 0)
            }
            return segmenter
        }
        // 2 s segments, target 2: three of them are the 6 s a live playlist must last.
        let long = segmenter(keyframeEvery: 2000)
        #expect(long.segments.map(\.duration) == [2000, 2000, 2000])
        #expect(long.segments.map(\.msn) == [12, 13, 14])
        // 1 s segments: six make the window (and the count cap is six too).
        let short = segmenter(keyframeEvery: 1000)
        #expect(short.segments.count == 6)
        #expect(short.segments.dropFirst().reduce(0) { $0 + $1.duration } < 6000)
    }

    @Test func aClosedPartsFragmentsReadFromItsBytes() throws {
        var segmenter = try Self.segmenter(until: 1400, configuration: .init())
        // The keyframe at 1000 opened segment 1; its first part closed before 1320.
        let joined = segmenter.takeJoinedPart()
        #expect(segmenter.takeJoinedPart().isEmpty)
        guard case .ready(let part) = segmenter.lookup(msn: 1, part: 0) else {
            Issue.record("part 1.0 missing")
            return
        }
        #expect(joined.first?.dts == 1000)
        #expect(joined.map(\.bytes).joinedBuffer() == part)
        let partStart = part.withUnsafeReadableBytes { UInt(bitPattern: $0.baseAddress) }
        let firstStart = try #require(joined.first).bytes.withUnsafeReadableBytes { UInt(bitPattern: $0.baseAddress) }
        #expect(firstStart == partStart)
    }
}
