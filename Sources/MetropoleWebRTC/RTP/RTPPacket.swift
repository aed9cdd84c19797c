import NIOCore

/// Why bytes are not an RTP or RTCP packet we can use.
public enum RTPError: Error, Equatable, Sendable, CustomStringConvertible {
    case truncated(String)
    case invalid(String)

    public var description: String {
        switch self {
        case .truncated(let what): "truncated \(what)"
        case .invalid(let what): "invalid \(what)"
        }
    }
}

/// The RFC 3550 §5.1 fixed header plus CSRCs and the header extension (§5.3.1).
public struct RTPHeader: Sendable, Equatable {
    public var marker: Bool
    public var payloadType: UInt8
    public var sequenceNumber: UInt16
    public var timestamp: UInt32
    public var ssrc: UInt32
    /// Contributing sources; empty (no allocation) for every WHIP publisher we know.
    public var csrcs: [UInt32]
    /// The extension's profile (`0xBEDE` for RFC 8285 one-byte headers), if the X bit is set.
    public var extensionProfile: UInt16?
    /// The extension's data words, a view into the packet.
    public var extensionData: ByteBuffer?

    public static let fixedLength = 12

    public init(marker: Bool = false, payloadType: UInt8, sequenceNumber: UInt16, timestamp: UInt32, ssrc: UInt32,
                csrcs: [UInt32] = [], extensionProfile: UInt16? = nil, extensionData: ByteBuffer? = nil) {
        self.marker = marker
        self.payloadType = payloadType
        self.sequenceNumber = sequenceNumber
        self.timestamp = timestamp
        self.ssrc = ssrc
        self.csrcs = csrcs
        self.extensionProfile = extensionProfile
        self.extensionData = extensionData
    }

    /// Bytes of header (fixed part, CSRCs, extension) at the start of `packet`, without reading
    /// it: where SRTP encryption starts. `nil` if it is not version 2 or the header overruns.
    static func length(of packet: ByteBuffer) -> Int? {
        let start = packet.readerIndex
        guard packet.readableBytes >= fixedLength, let first = packet.getInteger(at: start, as: UInt8.self),
              first >> 6 == 2
        else { return nil }
        var length = fixedLength + 4 * Int(first & 0x0F)
        if first & 0x10 != 0 {
            guard let words = packet.getInteger(at: start + length + 2, as: UInt16.self) else { return nil }
            length += 4 + 4 * Int(words)
        }
        return length <= packet.readableBytes ? length : nil
    }
}

/// One RTP packet: its header and its payload (padding removed), both views into the bytes it
/// was parsed from.
public struct RTPPacket: Sendable {
    public var header: RTPHeader
    public var payload: ByteBuffer

    public init(header: RTPHeader, payload: ByteBuffer) {
        self.header = header
        self.payload = payload
    }

    public init(parsing buffer: ByteBuffer) throws(RTPError) {
        var reader = buffer
        guard let (first, second, sequenceNumber, timestamp, ssrc) = reader.readMultipleIntegers(
            as: (UInt8, UInt8, UInt16, UInt32, UInt32).self
        ) else { throw .truncated("RTP header") }
        guard first >> 6 == 2 else { throw .invalid("RTP version \(first >> 6)") }
        var csrcs: [UInt32] = []
        let csrcCount = Int(first & 0x0F)
        if csrcCount > 0 {
            guard reader.readableBytes >= 4 * csrcCount else { throw .truncated("RTP CSRC list") }
            csrcs.reserveCapacity(csrcCount)
            for _ in 0..<csrcCount {
                csrcs.append(reader.readInteger()!)
            }
        }
        var extensionProfile: UInt16?
        var extensionData: ByteBuffer?
        if first & 0x10 != 0 {
            guard let (profile, words) = reader.readMultipleIntegers(as: (UInt16, UInt16).self),
                  let data = reader.readSlice(length: 4 * Int(words))
            else { throw .truncated("RTP header extension") }
            extensionProfile = profile
            extensionData = data
        }
        if first & 0x20 != 0 {
            // The last byte counts the padding, itself included (§5.1).
            guard let count = reader.getInteger(at: reader.writerIndex - 1, as: UInt8.self), count > 0,
                  Int(count) <= reader.readableBytes
            else { throw .invalid("RTP padding") }
            reader.moveWriterIndex(to: reader.writerIndex - Int(count))
        }
        self.header = RTPHeader(
            marker: second & 0x80 != 0, payloadType: second & 0x7F, sequenceNumber: sequenceNumber,
            timestamp: timestamp, ssrc: ssrc, csrcs: csrcs, extensionProfile: extensionProfile, extensionData: extensionData
        )
        self.payload = reader
    }

    /// Writes the packet without padding (what tests and the replay publisher send).
    public func write(into buffer: inout ByteBuffer) {
        var first = UInt8(0x80) | UInt8(min(header.csrcs.count, 15))
        if header.extensionProfile != nil { first |= 0x10 }
        buffer.writeMultipleIntegers(
            first, (header.marker ? 0x80 : 0) | header.payloadType & 0x7F, header.sequenceNumber, header.timestamp, header.ssrc
        )
        for csrc in header.csrcs.prefix(15) {
            buffer.writeInteger(csrc)
        }
        if let profile = header.extensionProfile {
            let data = header.extensionData ?? ByteBuffer()
            let words = (data.readableBytes + 3) / 4
            buffer.writeMultipleIntegers(profile, UInt16(clamping: words))
            buffer.writeImmutableBuffer(data)
            buffer.writeRepeatingByte(0, count: words * 4 - data.readableBytes)
        }
        buffer.writeImmutableBuffer(payload)
    }
}
