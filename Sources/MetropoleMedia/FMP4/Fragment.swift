import NIOCore

/// One `moof` + `mdat` holding a single frame: a CMAF chunk. Built once per frame and shared by
/// every WebSocket viewer and by the LL-HLS part and segment that contain it.
///
/// The box headers and the frame's bytes stay separate so a writer can send both without
/// copying the payload; `header` already includes the `mdat` size and type, so `header`
/// followed by `payload` is the complete chunk.
public struct Fragment: Sendable {
    /// `moof` and the 8-byte `mdat` header.
    public var header: ByteBuffer
    /// The frame's bytes: a slice of what the publisher sent, never copied.
    public var payload: ByteBuffer
    public var kind: TrackKind
    /// Decode time in milliseconds on the publisher's timeline.
    public var dts: Int64
    /// The sample duration written into `trun`, in milliseconds. A prediction: the next
    /// frame's time is unknown when the fragment is built (see `FragmentWriter`).
    public var duration: Double
    public var isKeyframe: Bool
    /// The `mfhd` sequence number.
    public var sequenceNumber: UInt32

    /// Bytes on the wire.
    public var byteCount: Int { header.readableBytes + payload.readableBytes }

    /// The whole chunk in one buffer, for consumers that cannot write two.
    public func joined(allocator: ByteBufferAllocator = .init()) -> ByteBuffer {
        var buffer = allocator.buffer(capacity: byteCount)
        write(into: &buffer)
        return buffer
    }

    public func write(into buffer: inout ByteBuffer) {
        buffer.writeImmutableBuffer(header)
        buffer.writeImmutableBuffer(payload)
    }
}

extension Sequence<Fragment> {
    /// Concatenates chunks into one buffer: an LL-HLS part, a segment, or one WebSocket message.
    public func joined(allocator: ByteBufferAllocator = .init()) -> ByteBuffer {
        var buffer = allocator.buffer(capacity: reduce(0) { $0 + $1.byteCount })
        for fragment in self {
            fragment.write(into: &buffer)
        }
        return buffer
    }
}
