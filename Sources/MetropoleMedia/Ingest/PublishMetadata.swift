/// What a publisher announced about its stream (RTMP `@setDataFrame`/`onMetaData`, a WHIP
/// offer), plus how and where it connected from. Every field the publisher left out is nil.
public struct PublishMetadata: Sendable, Equatable {
    public var ingestProtocol: IngestProtocol
    /// The RTMP application the publisher connected to (normally `live`); `whip` for WHIP.
    public var app: String
    /// The publisher's address, e.g. `[IPv4]127.0.0.1/127.0.0.1:52144`.
    public var remoteAddress: String?
    public var width: Int?
    public var height: Int?
    public var frameRate: Double?
    /// Kilobits per second, as encoders report them.
    public var videoBitrate: Double?
    public var audioBitrate: Double?
    public var audioSampleRate: Double?
    public var audioChannels: Int?
    /// E.g. `obs-output module (libobs version 30.0.0)` or `Lavf59.27.100`.
    public var encoder: String?

    public init(ingestProtocol: IngestProtocol = .rtmp, app: String, remoteAddress: String? = nil) {
        self.ingestProtocol = ingestProtocol
        self.app = app
        self.remoteAddress = remoteAddress
    }
}
