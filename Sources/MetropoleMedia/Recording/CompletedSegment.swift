import NIOCore

/// One LL-HLS segment the segmenter has just cut, handed to whoever records the stream
/// (`LiveHubConfiguration.onSegment`). Its bytes are joined from the parts once and given
/// away: the hub keeps no reference for the recording's sake.
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
    /// `moof` + `mdat` pairs, in order.
    public var data: ByteBuffer

    public init(msn: Int, initGeneration: Int, initSegment: ByteBuffer, startDTS: Int64, duration: Int64,
                programDateTime: Int64, isDiscontinuity: Bool, data: ByteBuffer) {
        self.msn = msn
        self.initGeneration = initGeneration
        self.initSegment = initSegment
        self.startDTS = startDTS
        self.duration = duration
        self.programDateTime = programDateTime
        self.isDiscontinuity = isDiscontinuity
        self.data = data
    }
}
