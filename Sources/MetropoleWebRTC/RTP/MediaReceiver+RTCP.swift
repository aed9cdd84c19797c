import MetropoleMedia
import NIOCore

extension MediaReceiver {
    /// One compound RTCP packet, as SRTCP unprotected it. Sender reports feed the timeline and
    /// the next receiver report; feedback a publisher sends us (it should send none) is ignored.
    public mutating func receiveRTCP(_ packet: ByteBuffer, at now: NIODeadline) -> [MediaReceiverAction] {
        guard let packets = try? RTCPPacket.parseCompound(packet) else {
            counters.rtcpPacketsMalformed += 1
            return []
        }
        counters.rtcpPacketsReceived += 1
        for packet in packets {
            switch packet {
            case .senderReport(let report):
                counters.senderReportsReceived += 1
                receiveSenderReport(report, at: now)
            case .goodbye(let goodbye):
                if goodbye.ssrcs.contains(where: { $0 == video?.ssrc || $0 == audio?.ssrc }) {
                    counters.goodbyeReceived = true
                }
            default:
                break
            }
        }
        return []
    }

    private mutating func receiveSenderReport(_ report: RTCPSenderReport, at now: NIODeadline) {
        if let ssrc = video?.ssrc, ssrc == report.ssrc {
            video!.statistics.recordSenderReport(compactNTP: report.compactNTP, at: now)
            timeline.senderReport(for: .video, ntp: report.ntpTimestamp, rtpTimestamp: report.rtpTimestamp, at: now)
        } else if let ssrc = audio?.ssrc, ssrc == report.ssrc {
            audio!.statistics.recordSenderReport(compactNTP: report.compactNTP, at: now)
            timeline.senderReport(for: .audio, ntp: report.ntpTimestamp, rtpTimestamp: report.rtpTimestamp, at: now)
        } else if earlyReports[report.ssrc] != nil || earlyReports.count < Self.maxEarlyReports {
            earlyReports[report.ssrc] = (report, now)
        }
    }

    /// Bounds the reports kept for SSRCs we have not seen (RTX, or nothing at all).
    static var maxEarlyReports: Int { 4 }

    /// A stream just learnt its SSRC: a report that came before its first packet applies now.
    mutating func applyEarlyReport(ssrc: UInt32, kind: TrackKind) {
        guard let (report, arrival) = earlyReports.removeValue(forKey: ssrc) else { return }
        if kind == .video {
            video!.statistics.recordSenderReport(compactNTP: report.compactNTP, at: arrival)
        } else {
            audio!.statistics.recordSenderReport(compactNTP: report.compactNTP, at: arrival)
        }
        timeline.senderReport(for: kind, ntp: report.ntpTimestamp, rtpTimestamp: report.rtpTimestamp, at: arrival)
    }

    /// The periodic RR (one report block per source heard from) with our SDES.
    mutating func sendReportIfDue(at now: NIODeadline, actions: inout [MediaReceiverAction]) {
        if let last = lastReport, now - last < configuration.reportInterval { return }
        var blocks: [RTCPReportBlock] = []
        if let block = video?.reportBlock(at: now) { blocks.append(block) }
        if let block = audio?.reportBlock(at: now) { blocks.append(block) }
        guard !blocks.isEmpty else { return }
        lastReport = now
        actions.append(.sendRTCP(RTCPPacket.compound([
            .receiverReport(RTCPReceiverReport(ssrc: localSSRC, reports: blocks)),
            .sourceDescription([RTCPSourceDescriptionChunk(ssrc: localSSRC, canonicalName: canonicalName)]),
        ])))
    }

    /// Feedback in a full compound packet (an empty RR, SDES, then the message), which every
    /// sender accepts whether or not `rtcp-rsize` was negotiated.
    func feedback(_ message: RTCPPacket) -> ByteBuffer {
        RTCPPacket.compound([
            .receiverReport(RTCPReceiverReport(ssrc: localSSRC)),
            .sourceDescription([RTCPSourceDescriptionChunk(ssrc: localSSRC, canonicalName: canonicalName)]),
            message,
        ])
    }
}
