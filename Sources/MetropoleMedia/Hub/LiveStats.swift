/// A snapshot of one live stream for dashboards and `LiveEventSink` updates.
public struct LiveStats: Sendable, Equatable {
    /// RFC 6381 codec strings, e.g. `avc1.64001f` and `mp4a.40.2` or `opus`.
    public var videoCodec: String?
    public var audioCodec: String?
    /// For MSE `isTypeSupported`/`addSourceBuffer`, e.g. `video/mp4; codecs="avc1.64001f,mp4a.40.2"`.
    public var mimeType: String?
    public var width: Int?
    public var height: Int?
    /// Video frames per second measured from timestamps over the last few seconds.
    public var frameRate: Double?
    /// Media bits per second (audio and video payload) over the last few seconds.
    public var bitrate: Int
    /// Seconds between the last two video keyframes.
    public var keyframeInterval: Double?
    /// Wall time of the first frame, milliseconds since 1970.
    public var startedAt: Int64?
    public var framesReceived: Int
    /// Frames refused: no configuration for their track, before the first keyframe, negative time.
    public var framesDropped: Int
    public var subscriberCount: Int
    /// Time spent in `ingest` per fragment built: count, sum and maximum in nanoseconds.
    public var fragmentsBuilt: Int
    public var ingestNanoseconds: Int64
    public var maxIngestNanoseconds: Int64

    public init() {
        bitrate = 0
        framesReceived = 0
        framesDropped = 0
        subscriberCount = 0
        fragmentsBuilt = 0
        ingestNanoseconds = 0
        maxIngestNanoseconds = 0
    }
}
