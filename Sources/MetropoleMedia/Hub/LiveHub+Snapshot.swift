import NIOCore

/// A still picture's worth of the stream, for live thumbnails.
extension LiveHub {
    /// The init segment followed by the fragments since the last video keyframe: a short
    /// fragmented MP4 that any decoder opens at a keyframe. `nil` while there is no init
    /// segment, no cached keyframe (e.g. the cache overflowed), no video track, or the stream
    /// has ended. The bytes are the shared fragment buffers, joined once here.
    public var keyframeSnapshot: ByteBuffer? {
        let parts: (ByteBuffer, [Fragment])? = state.withLockedValue { state in
            guard !state.isFinished, state.layout.hasVideo, let initSegment = state.initSegment,
                  let first = state.gop.first, first.kind == .video, first.isKeyframe
            else { return nil }
            return (initSegment, state.gop)
        }
        guard let parts else { return nil }
        let (initSegment, gop) = parts
        var buffer = ByteBufferAllocator().buffer(capacity: initSegment.readableBytes + gop.reduce(0) { $0 + $1.byteCount })
        buffer.writeImmutableBuffer(initSegment)
        for fragment in gop {
            fragment.write(into: &buffer)
        }
        return buffer
    }
}
