import MetropoleMedia
import NIOCore

/// Puts audio and video on one millisecond timeline that starts near 0 at the first packet.
///
/// Each track maps its (unwrapped) RTP timestamps linearly onto the timeline from one anchor:
/// at first the arrival of its first packet, then, once, the NTP time its first sender report
/// gives. The first report of either track also fixes the offset between the sender's NTP
/// clock and ours, so both tracks end up on the sender's clock: that is what lines them up
/// (RFC 3550 §6.4.1). Before a report, arrival time is the best guess; it is off by however
/// much sooner one track's first packet left the encoder (x264's lookahead puts video hundreds
/// of milliseconds behind audio). Re-anchoring never moves a track back: when a report says a
/// track that already has frames out started earlier, every other track moves forward instead
/// (`shift`), which costs them one gap but keeps every track's times increasing. Later
/// reports are not applied (docs/decisions/0022-av-sync-from-sender-reports.md): a sender's
/// RTP and NTP clocks agree closely, and following each report's jitter would jitter frames.
struct MediaTimeline: Sendable {
    struct Anchor: Sendable {
        let clockRate: Int64
        /// Unwrapped RTP timestamp at `micros`.
        var rtp: Int64
        /// Microseconds since `origin`.
        var micros: Int64
        var fromSenderReport: Bool
    }

    /// Arrival of the first RTP packet of any track: timeline 0.
    private(set) var origin: NIODeadline?
    /// Sender NTP microseconds minus our microseconds since `origin`, from the first report.
    private var senderOffset: Int64?
    /// The first report, when it came before any packet (and so before `origin`).
    private var earlyReport: (ntpMicros: Int64, arrival: NIODeadline)?
    /// Added to every track; only grows (see the type's comment).
    private(set) var shift: Int64 = 0
    private var anchors: [TrackKind: Anchor] = [:]
    /// A track's first report when it came before the track's first packet.
    private var pendingReports: [TrackKind: (ntpMicros: Int64, rtp: UInt32)] = [:]
    /// Tracks that have handed out times: they may only move forward.
    private var started: Set<TrackKind> = []
    private var timestampUnwrappers: [TrackKind: WrappingCounter<UInt32>] = [:]

    /// Microseconds of a 64-bit NTP timestamp.
    static func micros(ntp: UInt64) -> Int64 {
        Int64(ntp >> 32) * 1_000_000 + Int64(((ntp & 0xFFFF_FFFF) * 1_000_000) >> 32)
    }

    /// Microseconds since `origin` (negative before it).
    private func local(_ time: NIODeadline) -> Int64 {
        guard let origin else { return 0 }
        return Int64(bitPattern: time.uptimeNanoseconds &- origin.uptimeNanoseconds) / 1000
    }

    /// `ticks` of a `clockRate` clock in microseconds, saturating: RTP timestamps are the
    /// sender's to choose, and a sender that jumps them on purpose must not trap us.
    static func micros(ticks: Int64, clockRate: Int64) -> Int64 {
        let (product, overflow) = ticks.multipliedReportingOverflow(by: 1_000_000)
        guard !overflow else { return ticks < 0 ? Int64.min / 2 : Int64.max / 2 }
        return product / clockRate
    }

    /// Extends a track's 32-bit RTP timestamp (each track wraps on its own).
    mutating func unwrap(_ timestamp: UInt32, for kind: TrackKind) -> Int64 {
        timestampUnwrappers[kind, default: WrappingCounter()].unwrap(timestamp)
    }

    func hasTrack(_ kind: TrackKind) -> Bool { anchors[kind] != nil }

    func isAnchoredBySenderReport(_ kind: TrackKind) -> Bool { anchors[kind]?.fromSenderReport ?? false }

    /// A track's first packet: anchors it at its arrival, then at its report if one came first.
    mutating func startTrack(_ kind: TrackKind, clockRate: Int, timestamp: UInt32, at now: NIODeadline) {
        guard anchors[kind] == nil else { return }
        if origin == nil {
            origin = now
            if let earlyReport { senderOffset = earlyReport.ntpMicros - local(earlyReport.arrival) }
        }
        let rtp = unwrap(timestamp, for: kind)
        anchors[kind] = Anchor(clockRate: Int64(max(clockRate, 1)), rtp: rtp, micros: local(now), fromSenderReport: false)
        if let pending = pendingReports.removeValue(forKey: kind) {
            anchor(kind, ntpMicros: pending.ntpMicros, rtp: pending.rtp)
        }
    }

    /// A sender report for a track: its first one re-anchors the track on the sender's clock.
    mutating func senderReport(for kind: TrackKind, ntp: UInt64, rtpTimestamp: UInt32, at now: NIODeadline) {
        let ntpMicros = Self.micros(ntp: ntp)
        if senderOffset == nil {
            if origin != nil {
                senderOffset = ntpMicros - local(now)
            } else if earlyReport == nil {
                earlyReport = (ntpMicros, now)
            }
        }
        guard anchors[kind] != nil else {
            if pendingReports[kind] == nil { pendingReports[kind] = (ntpMicros, rtpTimestamp) }
            return
        }
        anchor(kind, ntpMicros: ntpMicros, rtp: rtpTimestamp)
    }

    private mutating func anchor(_ kind: TrackKind, ntpMicros: Int64, rtp: UInt32) {
        guard var anchor = anchors[kind], !anchor.fromSenderReport, let senderOffset else { return }
        let reportRTP = timestampUnwrappers[kind, default: WrappingCounter()].peek(rtp)
        // Where the anchor's RTP time falls on our clock, by the sender's account.
        let elapsed = Self.micros(ticks: reportRTP &- anchor.rtp, clockRate: anchor.clockRate)
        let anchored = Self.clamp(ntpMicros &- senderOffset &- elapsed)
        if started.contains(kind), anchored < anchor.micros {
            // Moving this track back would reorder its frames: move the others forward.
            shift = Self.clamp(shift + anchor.micros - anchored)
        }
        anchor.micros = anchored
        anchor.fromSenderReport = true
        anchors[kind] = anchor
        // Nothing may land before 0.
        if anchored + shift < 0 { shift = -anchored }
    }

    /// Milliseconds on the shared timeline for an unwrapped RTP timestamp of a started track.
    mutating func milliseconds(for kind: TrackKind, rtp: Int64) -> Int64? {
        guard let anchor = anchors[kind] else { return nil }
        started.insert(kind)
        let micros = Self.clamp(anchor.micros + shift + Self.clamp(Self.micros(ticks: rtp &- anchor.rtp, clockRate: anchor.clockRate)))
        return micros >= 0 ? micros / 1000 : -((999 - micros) / 1000)
    }

    /// Keeps every time within ±2^52 µs (142 years), so sums of a few of them cannot overflow
    /// and millisecond times stay far inside what the muxer's tick conversions can carry.
    static func clamp(_ micros: Int64) -> Int64 {
        min(max(micros, -(1 << 52)), 1 << 52)
    }
}
