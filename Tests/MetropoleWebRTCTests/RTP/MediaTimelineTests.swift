import MetropoleMedia
import NIOCore
import Testing

@testable import MetropoleWebRTC

@Suite struct MediaTimelineTests {
    static let start = NIODeadline.uptimeNanoseconds(7_000_000_000)
    static func at(_ milliseconds: Int64) -> NIODeadline { start + .milliseconds(milliseconds) }
    /// NTP for `milliseconds` after an arbitrary sender epoch.
    static func ntp(_ milliseconds: Int64) -> UInt64 {
        let micros = UInt64(3_900_000_000_000_000 + milliseconds * 1000)
        return (micros / 1_000_000) << 32 | ((micros % 1_000_000) << 32) / 1_000_000
    }

    @Test func withoutReportsEachTrackStartsAtItsArrival() {
        var timeline = MediaTimeline()
        timeline.startTrack(.audio, clockRate: 48_000, timestamp: 1_000, at: Self.at(0))
        timeline.startTrack(.video, clockRate: 90_000, timestamp: 5_000, at: Self.at(300))
        #expect(timeline.milliseconds(for: .audio, rtp: timeline.unwrap(1_000 + 48_000, for: .audio)) == 1000)
        #expect(timeline.milliseconds(for: .video, rtp: timeline.unwrap(5_000, for: .video)) == 300)
        #expect(timeline.milliseconds(for: .video, rtp: timeline.unwrap(5_000 + 9_000, for: .video)) == 400)
    }

    @Test func reportsPutBothTracksOnTheSendersClock() {
        // setup: the sender says audio RTP 1000 and video RTP 5000 were both captured at NTP 0,
        // but video's first packet arrives 300 ms after audio's (encoder delay). Reports arrive
        // before any video frame is handed out.
        var timeline = MediaTimeline()
        timeline.startTrack(.audio, clockRate: 48_000, timestamp: 1_000, at: Self.at(0))
        timeline.senderReport(for: .audio, ntp: Self.ntp(0), rtpTimestamp: 1_000, at: Self.at(0))
        timeline.startTrack(.video, clockRate: 90_000, timestamp: 5_000, at: Self.at(300))
        timeline.senderReport(for: .video, ntp: Self.ntp(300), rtpTimestamp: 5_000 + 27_000, at: Self.at(300))
        // check
        #expect(timeline.isAnchoredBySenderReport(.video))
        #expect(timeline.milliseconds(for: .video, rtp: timeline.unwrap(5_000, for: .video)) == 0)
        #expect(timeline.milliseconds(for: .audio, rtp: timeline.unwrap(1_000, for: .audio)) == 0)
    }

    @Test func aReportNeverMovesAStartedTrackBack() {
        // setup: audio has handed out 0…200 ms when its report says it started 80 ms earlier
        // than its arrival suggested (video's report came first and set the clock offset)
        var timeline = MediaTimeline()
        timeline.startTrack(.video, clockRate: 90_000, timestamp: 0, at: Self.at(0))
        timeline.senderReport(for: .video, ntp: Self.ntp(0), rtpTimestamp: 0, at: Self.at(0))
        timeline.startTrack(.audio, clockRate: 48_000, timestamp: 0, at: Self.at(100))
        let before = timeline.milliseconds(for: .audio, rtp: timeline.unwrap(9_600, for: .audio))
        // act
        timeline.senderReport(for: .audio, ntp: Self.ntp(320), rtpTimestamp: 14_400, at: Self.at(300))
        // check: audio keeps its times (300 ms of RTP after its anchor at 20 ms is 320 ms);
        // video moves forward by the 80 ms instead
        let after = timeline.milliseconds(for: .audio, rtp: timeline.unwrap(9_600, for: .audio))
        #expect(before == 300)
        #expect(after == 300)
        #expect(abs(timeline.shift - 80_000) <= 1) // NTP fractions round to the microsecond
        #expect(timeline.milliseconds(for: .video, rtp: timeline.unwrap(0, for: .video)) == 80)
    }

    @Test func aReportBeforeTheFirstPacketStillApplies() {
        var timeline = MediaTimeline()
        timeline.senderReport(for: .audio, ntp: Self.ntp(-50), rtpTimestamp: 0, at: Self.at(0))
        timeline.startTrack(.audio, clockRate: 48_000, timestamp: 4_800, at: Self.at(20))
        // The report says RTP 4800 is 100 ms after RTP 0, which the report put at -20 ms (our
        // clock, since it came 20 ms before the origin): 80 ms after the origin.
        #expect(timeline.milliseconds(for: .audio, rtp: timeline.unwrap(4_800, for: .audio)) == 80)
    }

    @Test func timestampsKeepIncreasingAcrossTheWrap() {
        var timeline = MediaTimeline()
        timeline.startTrack(.video, clockRate: 90_000, timestamp: 0xFFFF_0000, at: Self.at(0))
        let wrapped = timeline.unwrap(0x0000_FFFF, for: .video)
        #expect(timeline.milliseconds(for: .video, rtp: wrapped) == Int64(0x1_FFFF) * 1000 / 90_000)
        #expect(MediaTimeline.micros(ntp: 0x0000_0001_8000_0000) == 1_500_000)
    }
}
