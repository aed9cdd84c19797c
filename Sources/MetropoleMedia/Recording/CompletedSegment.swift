import NIOCore

/// One LL-HLS segment the segmenter has just cut, handed to whoever records the stream
/// (`LiveHubConfiguration.onSegment`). Its parts are the buffers the hub serves; once the
/// recorder has them on disk it calls `stored`, and the hub lets go of them (decision 0050).
public struct CompletedSegment: Sendable {
    /// The media sequence number in the live playlist; restarts at 0 with each publisher.
    public var msn: Int
    /// The init segment generation this segment belongs to; a new one follows a
    /// configuration change.
    public var initGeneration: Int
    /// `ftyp` + `moov` of that generation.
    public var initSegment: ByteBuffer
    /// Decode time of the first frame, in publisher milliseconds.
    public var startDTS: Int64
    /// Milliseconds.
    public var duration: Int64
    /// Wall-clock start, milliseconds since 1970.
    public var programDateTime: Int64
    /// The first segment after a configuration change.
    public var isDiscontinuity: Bool
    /// The LL-HLS parts, in order: together, the segment's `moof` + `mdat` pairs.
    public var parts: [ByteBuffer]
    /// Says the segment's bytes, exactly `parts` joined, can be read back from `store`.
    public var stored: @Sendable (_ store: any SegmentStore) -> Void

    public init(msn: Int, initGeneration: Int, initSegment: ByteBuffer, startDTS: Int64, duration: Int64,
                programDateTime: Int64, isDiscontinuity: Bool, parts: [ByteBuffer],
                stored: @escaping @Sendable (any SegmentStore) -> Void = { _ in }) {
        self.msn = msn
        self.initGeneration = initGeneration
        self.initSegment = initSegment
        self.startDTS = startDTS
        self.duration = duration
        self.programDateTime = programDateTime
        self.isDiscontinuity = isDiscontinuity
        self.parts = parts
        self.stored = stored
    }

    /// Bytes of the whole segment.
    public var byteCount: Int { parts.reduce(0) { $0 + $1.readableBytes } }
}
