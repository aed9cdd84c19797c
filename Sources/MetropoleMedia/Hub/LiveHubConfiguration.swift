/// Tuning of one `LiveHub`. The defaults suit a 720p–1080p stream with 1–4 s keyframe intervals.
public struct LiveHubConfiguration: Sendable {
    public var hls: LLHLSConfiguration
    /// Bytes a WebSocket viewer may have waiting before it is cut back to the next keyframe.
    /// 8 MiB is about 25 s of a 2.6 Mbps stream: only a viewer that has really stalled hits it.
    public var subscriberQueueLimit: Int
    /// The overflow that ends a viewer (`.dropped`); earlier ones only skip ahead.
    public var subscriberOverflowLimit: Int
    /// How long (publisher time) audio may flow without a video configuration before the
    /// stream is taken to be audio only. See `LiveHub` for the whole rule.
    public var audioOnlyDecisionDelay: Int64
    /// The longest a blocking playlist or hinted-part request is held, in seconds; `nil` means
    /// three target durations, the longest RFC 8216bis lets a client expect to wait.
    public var holdLimit: Double?
    /// Milliseconds since 1970; replaced in tests for repeatable program date times.
    public var wallClock: @Sendable () -> Int64
    /// Called after each frame is fragmented and handed to every viewer, with the time that
    /// took in nanoseconds: a hook for the ingest-to-fragment latency benchmark. Runs on the
    /// ingest thread, so it must be cheap.
    public var onFragment: (@Sendable (_ fragment: Fragment, _ nanoseconds: Int64) -> Void)?
    /// Called with every segment the LL-HLS segmenter completes, the last one closed by
    /// `finish()` included: the recording's feed. Runs on the ingest thread outside the hub's
    /// lock, so it must only hand the segment on, never wait.
    public var onSegment: (@Sendable (CompletedSegment) -> Void)?

    public init(
        hls: LLHLSConfiguration = .init(),
        subscriberQueueLimit: Int = 8 << 20,
        subscriberOverflowLimit: Int = 3,
        audioOnlyDecisionDelay: Int64 = 1000,
        holdLimit: Double? = nil,
        wallClock: @escaping @Sendable () -> Int64 = WallClock.millisecondsSince1970,
        onFragment: (@Sendable (_ fragment: Fragment, _ nanoseconds: Int64) -> Void)? = nil,
        onSegment: (@Sendable (CompletedSegment) -> Void)? = nil
    ) {
        self.hls = hls
        self.subscriberQueueLimit = max(subscriberQueueLimit, 64 << 10)
        self.subscriberOverflowLimit = max(subscriberOverflowLimit, 1)
        self.audioOnlyDecisionDelay = max(audioOnlyDecisionDelay, 0)
        self.holdLimit = holdLimit
        self.wallClock = wallClock
        self.onFragment = onFragment
        self.onSegment = onSegment
    }
}
