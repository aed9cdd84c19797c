import NIOCore

/// A still picture's worth of the stream, for live thumbnails.
extension LiveHub {
    /// The newest video keyframe with its parameter sets in band (`Keyframe`). `nil` while
    /// there is no cached keyframe (just started, or the cache overflowed), no video track,
    /// when the keyframe is malformed, or once the stream has ended.
    public var newestKeyframe: Keyframe? {
        let found: (ByteBuffer, AVCDecoderConfigurationRecord)? = state.withLockedValue { state in
            guard !state.isFinished, let first = state.gop.first, first.kind == .video, first.isKeyframe,
                  case .avc(let record)? = state.layout.tracks.first(where: { $0.kind == .video })?.config
            else { return nil }
            return (first.payload, record)
        }
        guard let (sample, record) = found else { return nil }
        return Keyframe(sample: sample, record: record)
    }
}
