/// What a publisher announced about its stream (`@setDataFrame`/`onMetaData`), plus where it
/// connected from. Every field the publisher left out is nil.
public struct PublishMetadata: Sendable, Equatable {
    /// The RTMP application the publisher connected to (normally `live`).
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

    public init(app: String, remoteAddress: String? = nil) {
        self.app = app
        self.remoteAddress = remoteAddress
    }
}

extension PublishMetadata {
    /// Fills the fields from an `onMetaData` object or ECMA array.
    mutating func update(from values: AMF0Value) {
        func number(_ key: String) -> Double? {
            guard let value = values[key]?.numberValue, value.isFinite else { return nil }
            return value
        }
        func integer(_ key: String) -> Int? {
            number(key).flatMap { $0 >= 0 && $0 < 1e9 ? Int($0) : nil }
        }
        width = integer("width") ?? width
        height = integer("height") ?? height
        frameRate = number("framerate") ?? number("videoframerate") ?? frameRate
        videoBitrate = number("videodatarate") ?? videoBitrate
        audioBitrate = number("audiodatarate") ?? audioBitrate
        audioSampleRate = number("audiosamplerate") ?? audioSampleRate
        if let channels = integer("audiochannels") {
            audioChannels = channels
        } else if case .boolean(let stereo)? = values["stereo"] {
            audioChannels = stereo ? 2 : 1
        }
        encoder = values["encoder"]?.stringValue ?? encoder
    }
}
