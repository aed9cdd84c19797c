import NIOCore

extension RTCPPacket {
    /// Parses a compound RTCP packet (RFC 3550 §6.1), as SRTCP leaves it after unprotecting.
    /// Lengths and counts are checked against the bytes before anything is read.
    public static func parseCompound(_ buffer: ByteBuffer) throws(RTPError) -> [RTCPPacket] {
        var reader = buffer
        var packets: [RTCPPacket] = []
        while reader.readableBytes > 0 {
            guard let (first, packetType, words) = reader.readMultipleIntegers(as: (UInt8, UInt8, UInt16).self) else {
                throw .truncated("RTCP header")
            }
            guard first >> 6 == 2 else { throw .invalid("RTCP version \(first >> 6)") }
            guard var body = reader.readSlice(length: 4 * Int(words)) else { throw .truncated("RTCP packet") }
            if first & 0x20 != 0 {
                guard let padding = body.getInteger(at: body.writerIndex - 1, as: UInt8.self), padding > 0,
                      Int(padding) <= body.readableBytes
                else { throw .invalid("RTCP padding") }
                body.moveWriterIndex(to: body.writerIndex - Int(padding))
            }
            packets.append(try parse(packetType: packetType, count: Int(first & 0x1F), body: body))
        }
        return packets
    }

    private static func parse(packetType: UInt8, count: Int, body: ByteBuffer) throws(RTPError) -> RTCPPacket {
        var body = body
        switch packetType {
        case PacketType.senderReport:
            guard let (ssrc, ntp, rtp, packets, octets) = body.readMultipleIntegers(as: (UInt32, UInt64, UInt32, UInt32, UInt32).self)
            else { throw .truncated("RTCP sender report") }
            let reports = try readReportBlocks(&body, count: count)
            return .senderReport(RTCPSenderReport(ssrc: ssrc, ntpTimestamp: ntp, rtpTimestamp: rtp, packetCount: packets,
                                                  octetCount: octets, reports: reports))
        case PacketType.receiverReport:
            guard let ssrc = body.readInteger(as: UInt32.self) else { throw .truncated("RTCP receiver report") }
            return .receiverReport(RTCPReceiverReport(ssrc: ssrc, reports: try readReportBlocks(&body, count: count)))
        case PacketType.sourceDescription:
            return .sourceDescription(try readSourceDescription(&body, count: count))
        case PacketType.goodbye:
            guard body.readableBytes >= 4 * count else { throw .truncated("RTCP BYE") }
            let ssrcs = (0..<count).map { _ in body.readInteger(as: UInt32.self)! }
            var reason: String?
            if let length = body.readInteger(as: UInt8.self) {
                guard let text = body.readString(length: Int(length)) else { throw .truncated("RTCP BYE reason") }
                reason = text
            }
            return .goodbye(RTCPGoodbye(ssrcs: ssrcs, reason: reason))
        case PacketType.transportFeedback, PacketType.payloadFeedback:
            return try parseFeedback(packetType: packetType, format: UInt8(count), body: &body)
        default:
            return .unknown(packetType: packetType, format: UInt8(count))
        }
    }

    private static func readReportBlocks(_ body: inout ByteBuffer, count: Int) throws(RTPError) -> [RTCPReportBlock] {
        guard body.readableBytes >= 24 * count else { throw .truncated("RTCP report blocks") }
        return (0..<count).map { _ in
            let (ssrc, lost, highest, jitter, lsr, dlsr) = body.readMultipleIntegers(
                as: (UInt32, UInt32, UInt32, UInt32, UInt32, UInt32).self
            )!
            // The low 24 bits are a signed count: shift it to the top and back to extend the sign.
            let cumulative = Int32(bitPattern: lost << 8) >> 8
            return RTCPReportBlock(ssrc: ssrc, fractionLost: UInt8(lost >> 24), cumulativeLost: cumulative,
                                   extendedHighestSequenceNumber: highest, jitter: jitter, lastSenderReport: lsr,
                                   delaySinceLastSenderReport: dlsr)
        }
    }

    private static func readSourceDescription(_ body: inout ByteBuffer, count: Int) throws(RTPError) -> [RTCPSourceDescriptionChunk] {
        var chunks: [RTCPSourceDescriptionChunk] = []
        for _ in 0..<count {
            let chunkStart = body.readerIndex
            guard let ssrc = body.readInteger(as: UInt32.self) else { throw .truncated("RTCP SDES chunk") }
            var name: String?
            while true {
                guard let itemType = body.readInteger(as: UInt8.self) else { throw .truncated("RTCP SDES items") }
                if itemType == 0 { break }
                guard let length = body.readInteger(as: UInt8.self), let text = body.readSlice(length: Int(length)) else {
                    throw .truncated("RTCP SDES item")
                }
                if itemType == 1 { name = String(buffer: text) }
            }
            // The null item is followed by zeros up to the next 32-bit boundary.
            let used = body.readerIndex - chunkStart
            let pad = (4 - used % 4) % 4
            guard body.readSlice(length: pad) != nil else { throw .truncated("RTCP SDES padding") }
            chunks.append(RTCPSourceDescriptionChunk(ssrc: ssrc, canonicalName: name))
        }
        return chunks
    }

    private static func parseFeedback(packetType: UInt8, format: UInt8, body: inout ByteBuffer) throws(RTPError) -> RTCPPacket {
        guard let (sender, media) = body.readMultipleIntegers(as: (UInt32, UInt32).self) else {
            throw .truncated("RTCP feedback header")
        }
        let header = RTCPFeedbackHeader(senderSSRC: sender, mediaSSRC: media)
        switch (packetType, format) {
        case (PacketType.transportFeedback, 1):
            var lost: [UInt16] = []
            while let (pid, bitmask) = body.readMultipleIntegers(as: (UInt16, UInt16).self) {
                lost.append(pid)
                for bit in 0..<16 where bitmask & (1 << bit) != 0 {
                    lost.append(pid &+ UInt16(bit + 1))
                }
            }
            return .nack(header, lost: lost)
        case (PacketType.payloadFeedback, 1):
            return .pictureLossIndication(header)
        case (PacketType.payloadFeedback, 4):
            var entries: [RTCPFullIntraRequestEntry] = []
            while let (ssrc, sequence) = body.readMultipleIntegers(as: (UInt32, UInt32).self) {
                entries.append(RTCPFullIntraRequestEntry(ssrc: ssrc, sequenceNumber: UInt8(sequence >> 24)))
            }
            return .fullIntraRequest(header, entries: entries)
        default:
            return .unknown(packetType: packetType, format: format)
        }
    }
}
