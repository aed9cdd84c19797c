import NIOCore

/// One packet of a compound RTCP packet: the kinds a WebRTC ingest reads or writes. Anything
/// else (REMB, transport-wide feedback, XR, APP) parses as `.unknown` and is skipped, so a
/// compound packet never fails for carrying it.
public enum RTCPPacket: Sendable, Equatable {
    case senderReport(RTCPSenderReport)
    case receiverReport(RTCPReceiverReport)
    case sourceDescription([RTCPSourceDescriptionChunk])
    case goodbye(RTCPGoodbye)
    /// RFC 4585 §6.2.1 generic NACK: the lost sequence numbers, expanded from PID + BLP.
    case nack(RTCPFeedbackHeader, lost: [UInt16])
    /// RFC 4585 §6.3.1 picture loss indication.
    case pictureLossIndication(RTCPFeedbackHeader)
    /// RFC 5104 §4.3.1 full intra request: one (SSRC, command sequence number) per entry.
    case fullIntraRequest(RTCPFeedbackHeader, entries: [RTCPFullIntraRequestEntry])
    case unknown(packetType: UInt8, format: UInt8)

    /// RFC 3550 / RFC 4585 packet types.
    enum PacketType {
        static let senderReport: UInt8 = 200
        static let receiverReport: UInt8 = 201
        static let sourceDescription: UInt8 = 202
        static let goodbye: UInt8 = 203
        static let transportFeedback: UInt8 = 205
        static let payloadFeedback: UInt8 = 206
    }
}

/// RFC 3550 §6.4.1.
public struct RTCPSenderReport: Sendable, Equatable {
    public var ssrc: UInt32
    /// 64-bit NTP time: seconds since 1900 in the high word, fraction in the low.
    public var ntpTimestamp: UInt64
    /// The RTP timestamp that corresponds to `ntpTimestamp`.
    public var rtpTimestamp: UInt32
    public var packetCount: UInt32
    public var octetCount: UInt32
    public var reports: [RTCPReportBlock]

    public init(ssrc: UInt32, ntpTimestamp: UInt64, rtpTimestamp: UInt32, packetCount: UInt32, octetCount: UInt32,
                reports: [RTCPReportBlock] = []) {
        self.ssrc = ssrc
        self.ntpTimestamp = ntpTimestamp
        self.rtpTimestamp = rtpTimestamp
        self.packetCount = packetCount
        self.octetCount = octetCount
        self.reports = reports
    }

    /// The middle 32 bits of the NTP time: what a receiver echoes as LSR.
    public var compactNTP: UInt32 { UInt32(truncatingIfNeeded: ntpTimestamp >> 16) }
}

/// RFC 3550 §6.4.2.
public struct RTCPReceiverReport: Sendable, Equatable {
    public var ssrc: UInt32
    public var reports: [RTCPReportBlock]

    public init(ssrc: UInt32, reports: [RTCPReportBlock] = []) {
        self.ssrc = ssrc
        self.reports = reports
    }
}

/// One source's reception report (RFC 3550 §6.4.1).
public struct RTCPReportBlock: Sendable, Equatable {
    public var ssrc: UInt32
    /// Packets lost since the previous report, as a fraction of 256.
    public var fractionLost: UInt8
    /// Expected minus received since the start; 24-bit signed on the wire (duplicates can make
    /// it negative).
    public var cumulativeLost: Int32
    /// Highest sequence number received, with the count of its wraps in the high 16 bits.
    public var extendedHighestSequenceNumber: UInt32
    /// Interarrival jitter in RTP timestamp units.
    public var jitter: UInt32
    /// `compactNTP` of the last sender report received from this source, 0 if none.
    public var lastSenderReport: UInt32
    /// Time since that sender report in 1/65536 s.
    public var delaySinceLastSenderReport: UInt32

    public init(ssrc: UInt32, fractionLost: UInt8, cumulativeLost: Int32, extendedHighestSequenceNumber: UInt32,
                jitter: UInt32, lastSenderReport: UInt32, delaySinceLastSenderReport: UInt32) {
        self.ssrc = ssrc
        self.fractionLost = fractionLost
        self.cumulativeLost = cumulativeLost
        self.extendedHighestSequenceNumber = extendedHighestSequenceNumber
        self.jitter = jitter
        self.lastSenderReport = lastSenderReport
        self.delaySinceLastSenderReport = delaySinceLastSenderReport
    }
}

/// An SDES chunk (RFC 3550 §6.5); only CNAME is kept, other items are skipped.
public struct RTCPSourceDescriptionChunk: Sendable, Equatable {
    public var ssrc: UInt32
    public var canonicalName: String?

    public init(ssrc: UInt32, canonicalName: String?) {
        self.ssrc = ssrc
        self.canonicalName = canonicalName
    }
}

/// RFC 3550 §6.6.
public struct RTCPGoodbye: Sendable, Equatable {
    public var ssrcs: [UInt32]
    public var reason: String?

    public init(ssrcs: [UInt32], reason: String? = nil) {
        self.ssrcs = ssrcs
        self.reason = reason
    }
}

/// The common part of RFC 4585 feedback messages: who asks, about which media source.
public struct RTCPFeedbackHeader: Sendable, Equatable {
    public var senderSSRC: UInt32
    public var mediaSSRC: UInt32

    public init(senderSSRC: UInt32, mediaSSRC: UInt32) {
        self.senderSSRC = senderSSRC
        self.mediaSSRC = mediaSSRC
    }
}

public struct RTCPFullIntraRequestEntry: Sendable, Equatable {
    public var ssrc: UInt32
    /// Incremented for each new request, so the sender can tell repeats from new ones.
    public var sequenceNumber: UInt8

    public init(ssrc: UInt32, sequenceNumber: UInt8) {
        self.ssrc = ssrc
        self.sequenceNumber = sequenceNumber
    }
}
