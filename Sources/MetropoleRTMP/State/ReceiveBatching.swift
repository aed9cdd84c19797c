import NIOCore

/// Chooses the socket's receive low watermark (SO_RCVLOWAT) for a publishing connection so the
/// kernel wakes us about once per `delay` of media instead of once per TCP segment.
///
/// Wake-ups, not parsing, dominate ingest CPU: ffmpeg and OBS write each chunk on its own, so a
/// 2.6 Mbps stream arrives as 100+ small reads a second. Batching them by up to `delay` cuts
/// that several times over. The watermark follows the measured rate once a second, and drops
/// back to 1 byte as soon as a second passes with no media, so a sudden bitrate fall delays
/// media by about a second at worst, once.
struct ReceiveBatching {
    static let maximumWatermark = 64 << 10
    static let interval = TimeAmount.seconds(1)

    let delay: TimeAmount
    private(set) var watermark = 1
    private var bytes = 0
    private var since: NIODeadline

    init(delay: TimeAmount, now: NIODeadline) {
        self.delay = delay
        self.since = now
    }

    mutating func received(_ count: Int) {
        bytes &+= count
    }

    /// The watermark to set now, or nil to keep the current one.
    mutating func tick(now: NIODeadline) -> Int? {
        let elapsed = now - since
        guard elapsed >= Self.interval else { return nil }
        let perSecond = Double(bytes) * 1e9 / Double(elapsed.nanoseconds)
        bytes = 0
        since = now
        let exact = perSecond * Double(delay.nanoseconds) / 1e9
        // Whole KiB below the exact value: a watermark above the real rate stalls media.
        let target = min(Self.maximumWatermark, max(1, Int(exact) & ~0x3FF))
        let changedEnough = target == 1 ? watermark != 1 : abs(target - watermark) * 4 > watermark
        guard changedEnough else { return nil }
        watermark = target
        return target
    }

    /// Back to waking for every byte (publishing ended).
    mutating func reset(now: NIODeadline) -> Int? {
        bytes = 0
        since = now
        guard watermark != 1 else { return nil }
        watermark = 1
        return 1
    }
}
