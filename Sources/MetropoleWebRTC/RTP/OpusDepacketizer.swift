import MetropoleMedia
import NIOCore

/// RFC 7587: an RTP packet carries exactly one Opus packet, so depacketizing is checking the
/// TOC byte and passing the payload on (a view into the datagram: `LiveHub` copies it into
/// the fragment and lets go).
struct OpusDepacketizer: Sendable {
    /// Payloads that are not a valid Opus packet (empty, or a TOC that does not parse).
    private(set) var droppedFrames = 0

    mutating func frame(from packet: RTPPacket) -> ByteBuffer? {
        guard OpusPacket.sampleCount(packet.payload) != nil else {
            droppedFrames += 1
            return nil
        }
        return packet.payload
    }
}
