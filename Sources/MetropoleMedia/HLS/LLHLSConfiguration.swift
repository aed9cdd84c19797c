/// Timing of the LL-HLS output. Durations are in milliseconds, like media timestamps.
public struct LLHLSConfiguration: Sendable, Equatable {
    /// Target duration of a partial segment (`PART-TARGET`). Kept within 200–500 ms: shorter
    /// parts multiply requests, longer ones give up the "low" in low latency.
    public var partTarget: Int64 {
        didSet { partTarget = min(max(partTarget, 200), 500) }
    }
    /// The smallest `EXT-X-TARGETDURATION` announced, in seconds. It grows (never shrinks) when
    /// a publisher's keyframe interval makes longer segments.
    public var minimumTargetDuration: Int
    /// With video, a segment ends at the first keyframe after it has lasted this long, so very
    /// short keyframe intervals still give segments worth a request.
    public var minimumSegmentDuration: Int64
    /// Without video there are no keyframes to cut at; segments end after this long.
    public var audioOnlySegmentDuration: Int64
    /// At most this many completed segments are kept in memory and in the playlist.
    public var segmentWindow: Int
    /// Completed segments are released as soon as the newer ones last this many target
    /// durations (3: the shortest a live playlist may be, RFC 8216bis 6.2.2).
    public var windowTargetDurations: Int
    /// The newest completed segments whose parts are still listed and served.
    public var segmentsWithParts: Int

    public init(
        partTarget: Int64 = 300,
        minimumTargetDuration: Int = 2,
        minimumSegmentDuration: Int64 = 1000,
        audioOnlySegmentDuration: Int64 = 2000,
        segmentWindow: Int = 6,
        windowTargetDurations: Int = 3,
        segmentsWithParts: Int = 3
    ) {
        self.partTarget = min(max(partTarget, 200), 500)
        self.minimumTargetDuration = max(minimumTargetDuration, 1)
        self.minimumSegmentDuration = minimumSegmentDuration
        self.audioOnlySegmentDuration = max(audioOnlySegmentDuration, 500)
        self.segmentWindow = max(segmentWindow, 2)
        self.windowTargetDurations = max(windowTargetDurations, 3)
        self.segmentsWithParts = min(max(segmentsWithParts, 1), max(segmentWindow, 2))
    }

    /// Apple recommends at least three part targets between the live edge and playback.
    var partHoldBack: Int64 { partTarget * 3 }
}
