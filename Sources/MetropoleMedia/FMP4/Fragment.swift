import NIOCore

/// One `moof` + `mdat` holding a single frame: a CMAF chunk. Built once per frame and shared by
/// every WebSocket viewer and by the LL-HLS part and segment that contain it.
///
/// The chunk is built in one buffer (`bytes`): writers send it as one write, and it is shared,
/// never copied, by every viewer. `header` and `payload` are views into it.
public struct Fragment: Sendable {
    /// The complete chunk: `moof`, the 8-byte `mdat` header, then the frame's bytes.
    public var bytes: ByteBuffer
    /// `moof` and the `mdat` header.
    public var header: ByteBuffer
    /// The frame's bytes.
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

    init(bytes: ByteBuffer, headerLength: Int, kind: TrackKind, dts: Int64, duration: Double, isKeyframe: Bool,
         sequenceNumber: UInt32) {
        self.bytes = bytes
        self.header = bytes.getSlice(at: bytes.readerIndex, length: headerLength) ?? ByteBuffer()
        self.payload = bytes.getSlice(at: bytes.readerIndex + headerLength, length: bytes.readableBytes - headerLength) ?? ByteBuffer()
        self.kind = kind
        self.dts = dts
        self.duration = duration
        self.isKeyframe = isKeyframe
        self.sequenceNumber = sequenceNumber
    }

    /// Bytes on the wire.
    public var byteCount: Int { bytes.readableBytes }

    public func write(into buffer: inout ByteBuffer) {
        buffer.writeImmutableBuffer(bytes)
    }

    /// The same fragment, its bytes read from the copy of them at `offset` in `buffer`: a cache
    /// that holds both the joined buffer and the fragments then holds the bytes once.
    func rebased(onto buffer: ByteBuffer, at offset: Int) -> Fragment {
        guard let bytes = buffer.getSlice(at: buffer.readerIndex + offset, length: byteCount) else { return self }
        return Fragment(bytes: bytes, headerLength: header.readableBytes, kind: kind, dts: dts, duration: duration,
                        isKeyframe: isKeyframe, sequenceNumber: sequenceNumber)
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
