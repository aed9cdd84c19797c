/// Measures bitrate and frame rate from media timestamps in one-second buckets, so each frame
/// costs a couple of additions and the measurement follows the publisher's clock, not ours.
struct StatsMeter {
    private struct Bucket {
        var second: Int64 = .min
        var bytes = 0
        var videoFrames = 0
    }

    /// Whole seconds averaged over.
    static let window: Int64 = 5
    private var buckets = [Bucket](repeating: Bucket(), count: 8)
    private var firstSecond: Int64?
    private var newestDTS: Int64 = 0
    private var lastKeyframeDTS: Int64?
    private(set) var keyframeInterval: Int64?

    mutating func record(_ frame: MediaFrame) {
        let second = floorSecond(frame.dts)
        if firstSecond == nil { firstSecond = second }
        newestDTS = max(newestDTS, frame.dts)
        let slot = Int(((second % 8) + 8) % 8)
        if buckets[slot].second != second {
            guard second > buckets[slot].second else { return } // far out of order: ignore
            buckets[slot] = Bucket(second: second)
        }
        buckets[slot].bytes += frame.payload.readableBytes
        if frame.kind == .video {
            buckets[slot].videoFrames += 1
            if frame.isKeyframe {
                if let last = lastKeyframeDTS, frame.dts > last { keyframeInterval = frame.dts - last }
                lastKeyframeDTS = frame.dts
            }
        }
    }

    /// (bits per second, video frames per second) over the last complete seconds, or over the
    /// part of the first second seen so far when no second is complete yet.
    func rates() -> (bitrate: Int, frameRate: Double?) {
        guard let firstSecond else { return (0, nil) }
        let current = floorSecond(newestDTS)
        let span = min(Self.window, current - firstSecond)
        if span == 0 {
            let bucket = buckets.first { $0.second == current } ?? Bucket()
            let elapsed = Double(max(newestDTS - current * 1000, 1)) / 1000
            return (Int(Double(bucket.bytes * 8) / elapsed), bucket.videoFrames > 1 ? Double(bucket.videoFrames) / elapsed : nil)
        }
        let complete = buckets.filter { $0.second < current && $0.second >= current - span }
        let bytes = complete.reduce(0) { $0 + $1.bytes }
        let frames = complete.reduce(0) { $0 + $1.videoFrames }
        return (bytes * 8 / Int(span), frames > 0 ? Double(frames) / Double(span) : nil)
    }

    private func floorSecond(_ milliseconds: Int64) -> Int64 {
        milliseconds >= 0 ? milliseconds / 1000 : (milliseconds - 999) / 1000
    }
}
