/// Counters for the stream health panel, per track.
public struct MediaReceiverStats: Sendable, Equatable {
    public struct Track: Sendable, Equatable {
        /// The publisher's SSRC for this track, once known.
        public var ssrc: UInt32?
        /// Distinct packets received (retransmissions that filled a gap included).
        public var packetsReceived = 0
        public var bytesReceived = 0
        /// RFC 3550's cumulative loss: expected minus received, as the receiver report says it.
        public var packetsLost: Int64 = 0
        /// Packets that came after the receiver had given up on them, or twice.
        public var packetsDiscarded = 0
        /// Packets that arrived on the RTX stream.
        public var retransmissionsReceived = 0
        /// Sequence numbers asked for again, counting each request.
        public var packetsNACKed = 0
        public var framesDelivered = 0
        /// Frames not delivered: incomplete, before a keyframe, or malformed.
        public var framesDropped = 0
        public var keyframesDelivered = 0
        public var pictureLossIndicationsSent = 0
        /// Interarrival jitter (RFC 3550 §6.4.1) in milliseconds.
        public var jitterMilliseconds = 0.0
    }

    public var video = Track()
    public var audio = Track()
    /// RTP packets that parsed badly or match no negotiated payload type and SSRC.
    public var packetsIgnored = 0
    public var rtcpPacketsReceived = 0
    public var rtcpPacketsMalformed = 0
    public var senderReportsReceived = 0
    /// The publisher sent an RTCP BYE for one of its SSRCs.
    public var goodbyeReceived = false

    public init() {}
}
