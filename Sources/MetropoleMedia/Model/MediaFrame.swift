/// MetropoleMedia owns the media model, codec records, the fMP4/CMAF writer, the LL-HLS
/// segmenter and `LiveHub`. It imports NIOCore (and NIOConcurrencyHelpers for `LiveHub`'s
/// locks) only: never Foundation, Vapor, Fluent or a protocol module.
import NIOCore

/// Which elementary stream a frame or configuration belongs to.
public enum TrackKind: UInt8, Sendable, Hashable {
    case video = 1
    case audio = 2
}

/// One access unit on the publisher's timeline.
///
/// Times are in milliseconds, as RTMP carries them, already unwrapped to 64 bits by the
/// ingest so they only grow across the 32-bit RTMP wrap.
public struct MediaFrame: Sendable {
    public var kind: TrackKind
    /// Decode time in milliseconds.
    public var dts: Int64
    /// Presentation time minus decode time, in milliseconds (B-frames make it positive).
    public var compositionOffset: Int32
    public var isKeyframe: Bool
    /// AVC: NAL units each prefixed by its length (the record's `nalLengthSize` bytes), as FLV
    /// and MP4 both carry them. AAC: one raw access unit without ADTS header. Opus: one packet.
    public var payload: ByteBuffer

    public var pts: Int64 { dts + Int64(compositionOffset) }

    public init(kind: TrackKind, dts: Int64, compositionOffset: Int32 = 0, isKeyframe: Bool, payload: ByteBuffer) {
        self.kind = kind
        self.dts = dts
        self.compositionOffset = compositionOffset
        self.isKeyframe = isKeyframe
        self.payload = payload
    }
}

/// The decoder configuration of one track, as announced by the publisher.
public enum TrackConfig: Sendable, Equatable {
    case avc(AVCDecoderConfigurationRecord)
    case aac(AudioSpecificConfig)
    case opus(OpusConfig)

    public var kind: TrackKind {
        switch self {
        case .avc: .video
        case .aac, .opus: .audio
        }
    }

    /// RFC 6381 codecs parameter: `avc1.64001f`, `mp4a.40.2`, `opus`.
    public var codecString: String {
        switch self {
        case .avc(let record): record.codecString
        case .aac(let audio): audio.codecString
        case .opus(let audio): audio.codecString
        }
    }
}
