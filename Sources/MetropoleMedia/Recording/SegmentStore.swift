import NIOCore

/// Where a hub's completed segments are kept once written, byte for byte as the segmenter cut
/// them: the recording's segment files. A hub told that a segment is stored drops its bytes and
/// reads a late request's segment or part back from here (decision 0050), so memory holds only
/// the open segment.
public protocol SegmentStore: Sendable {
    /// `length` bytes of segment `msn` from `offset`, or nil when they cannot be read.
    func read(msn: Int, offset: Int, length: Int) async -> ByteBuffer?
}
