import NIOCore

extension RTCPPacket {
    /// Serialises packets back to back: a compound packet when the first is an SR or RR
    /// (RFC 3550 §6.1), a reduced-size one (RFC 5506) otherwise.
    public static func compound(_ packets: [RTCPPacket], allocator: ByteBufferAllocator = .init()) -> ByteBuffer {
        var buffer = allocator.buffer(capacity: 128)
        for packet in packets {
            packet.write(into: &buffer)
        }
        return buffer
    }

    /// Writes one packet. `.unknown` writes nothing: we never originate what we cannot read.
    public func write(into buffer: inout ByteBuffer) {
        switch self {
        case .senderReport(let report):
            Self.writePacket(into: &buffer, count: report.reports.count, type: PacketType.senderReport) { body in
                body.writeMultipleIntegers(report.ssrc, report.ntpTimestamp, report.rtpTimestamp, report.packetCount, report.octetCount)
                Self.write(report.reports, into: &body)
            }
        case .receiverReport(let report):
            Self.writePacket(into: &buffer, count: report.reports.count, type: PacketType.receiverReport) { body in
                body.writeInteger(report.ssrc)
                Self.write(report.reports, into: &body)
            }
        case .sourceDescription(let chunks):
            Self.writePacket(into: &buffer, count: chunks.count, type: PacketType.sourceDescription) { body in
                for chunk in chunks.prefix(31) {
                    let start = body.writerIndex
                    body.writeInteger(chunk.ssrc)
                    if let name = chunk.canonicalName {
                        let bytes = Array(name.utf8.prefix(255))
                        body.writeMultipleIntegers(UInt8(1), UInt8(bytes.count))
                        body.writeBytes(bytes)
                    }
                    // The null item, then zeros to the 32-bit boundary (at least one zero byte).
                    let used = body.writerIndex - start + 1
                    body.writeRepeatingByte(0, count: 1 + (4 - used % 4) % 4)
                }
            }
        case .goodbye(let goodbye):
            Self.writePacket(into: &buffer, count: goodbye.ssrcs.count, type: PacketType.goodbye) { body in
                for ssrc in goodbye.ssrcs.prefix(31) {
                    body.writeInteger(ssrc)
                }
                if let reason = goodbye.reason {
                    let bytes = Array(reason.utf8.prefix(255))
                    body.writeInteger(UInt8(bytes.count))
                    body.writeBytes(bytes)
                    body.writeRepeatingByte(0, count: (4 - (1 + bytes.count) % 4) % 4)
                }
            }
        case .nack(let header, let lost):
            Self.writePacket(into: &buffer, count: 1, type: PacketType.transportFeedback) { body in
                body.writeMultipleIntegers(header.senderSSRC, header.mediaSSRC)
                for (pid, bitmask) in Self.nackItems(lost) {
                    body.writeMultipleIntegers(pid, bitmask)
                }
            }
        case .pictureLossIndication(let header):
            Self.writePacket(into: &buffer, count: 1, type: PacketType.payloadFeedback) { body in
                body.writeMultipleIntegers(header.senderSSRC, header.mediaSSRC)
            }
        case .fullIntraRequest(let header, let entries):
            Self.writePacket(into: &buffer, count: 4, type: PacketType.payloadFeedback) { body in
                body.writeMultipleIntegers(header.senderSSRC, header.mediaSSRC)
                for entry in entries {
                    body.writeMultipleIntegers(entry.ssrc, UInt32(entry.sequenceNumber) << 24)
                }
            }
        case .unknown:
            break
        }
    }

    /// Header, body, then the length patched in (32-bit words minus one).
    private static func writePacket(into buffer: inout ByteBuffer, count: Int, type: UInt8, _ body: (inout ByteBuffer) -> Void) {
        let start = buffer.writerIndex
        buffer.writeMultipleIntegers(UInt8(0x80 | min(count, 31)), type, UInt16(0))
        body(&buffer)
        let words = (buffer.writerIndex - start) / 4 - 1
        buffer.setInteger(UInt16(clamping: words), at: start + 2)
    }

    private static func write(_ reports: [RTCPReportBlock], into buffer: inout ByteBuffer) {
        for block in reports.prefix(31) {
            let lost = UInt32(block.fractionLost) << 24 | UInt32(bitPattern: max(min(block.cumulativeLost, 0x7F_FFFF), -0x80_0000)) & 0xFF_FFFF
            buffer.writeMultipleIntegers(block.ssrc, lost, block.extendedHighestSequenceNumber, block.jitter,
                                         block.lastSenderReport, block.delaySinceLastSenderReport)
        }
    }

    /// Groups lost sequence numbers (in sending order) into PID + BLP items: each item covers
    /// its PID and the 16 that follow it.
    static func nackItems(_ lost: [UInt16]) -> [(UInt16, UInt16)] {
        var items: [(UInt16, UInt16)] = []
        for sequence in lost {
            if let last = items.last {
                let distance = sequence &- last.0
                if distance >= 1, distance <= 16 {
                    items[items.count - 1].1 |= 1 << (distance - 1)
                    continue
                }
                if distance == 0 { continue }
            }
            items.append((sequence, 0))
        }
        return items
    }
}
