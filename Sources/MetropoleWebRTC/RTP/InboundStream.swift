import MetropoleMedia
import NIOCore

/// One source as it arrives: its SSRC, its sequence numbers put back in order, what its
/// receiver reports say, and the packets to ask for again.
struct InboundStream: Sendable {
    let kind: TrackKind
    let payloadType: UInt8
    let clockRate: Int
    var ssrc: UInt32?
    var sequenceNumbers = WrappingCounter<UInt16>()
    var reorder: ReorderBuffer
    var nack: NACKTracker?
    var statistics: ReceptionStatistics
    /// The last decode time handed out, to keep them increasing.
    var lastDTS: Int64?
    var stats = MediaReceiverStats.Track()

    init(kind: TrackKind, payloadType: UInt8, ssrc: UInt32?, clockRate: Int, reorder: ReorderBuffer, nack: NACKTracker?) {
        self.kind = kind
        self.payloadType = payloadType
        self.ssrc = ssrc
        self.clockRate = clockRate
        self.reorder = reorder
        self.nack = nack
        self.statistics = ReceptionStatistics(clockRate: clockRate)
        self.stats.ssrc = ssrc
    }

    func accepts(_ header: RTPHeader) -> Bool {
        header.payloadType == payloadType && (ssrc == nil || ssrc == header.ssrc)
    }

    /// Orders one packet; the packets it releases go to `released`.
    mutating func receive(_ packet: RTPPacket, at now: NIODeadline, into released: inout [ReorderBuffer.Released]) {
        if ssrc == nil {
            ssrc = packet.header.ssrc
            stats.ssrc = ssrc
        }
        let sequence = sequenceNumbers.unwrap(packet.header.sequenceNumber)
        let entry = ReorderBuffer.Entry(packet: packet, sequence: sequence, arrival: now)
        switch reorder.insert(entry, into: &released) {
        case .accepted:
            statistics.record(sequence: sequence, timestamp: packet.header.timestamp, arrival: now)
            stats.packetsReceived += 1
            stats.bytesReceived += packet.payload.readableBytes
        case .late, .duplicate:
            stats.packetsDiscarded += 1
        }
    }

    /// Sequence numbers to NACK now (16-bit, as the wire wants them).
    mutating func dueRetransmissions(at now: NIODeadline) -> [UInt16] {
        guard var tracker = nack else { return [] }
        let due = tracker.due(missing: reorder.missing(limit: tracker.maxTracked), at: now)
        nack = tracker
        stats.packetsNACKed += due.count
        return due.map { UInt16(truncatingIfNeeded: $0) }
    }

    /// The interval's report block; `nil` before the first packet.
    mutating func reportBlock(at now: NIODeadline) -> RTCPReportBlock? {
        guard let ssrc, statistics.hasReceived else { return nil }
        return statistics.reportBlock(ssrc: ssrc, at: now)
    }

    /// `stats` with the figures computed on demand.
    var currentStats: MediaReceiverStats.Track {
        var current = stats
        current.packetsLost = statistics.cumulativeLost
        current.jitterMilliseconds = Double(statistics.jitter) * 1000 / Double(clockRate)
        return current
    }
}
