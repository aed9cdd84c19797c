import NIOCore
import Testing

@testable import MetropoleWebRTC

@Suite struct RTPPacketTests {
    @Test func parsesEveryHeaderPart() throws {
        // setup: V=2 P X CC=2, M, PT 96, seq 0xABCD, ts, SSRC, 2 CSRCs, one-byte extension
        // (1 word), payload "hi", 3 bytes of padding
        let bytes = hex("""
            b2e0abcd 00000bb8 11223344 0a0b0c0d 01020304 bede0001 10ff0000 6869 000003
            """)
        // act
        let packet = try RTPPacket(parsing: ByteBuffer(bytes: bytes))
        // check
        #expect(packet.header.marker)
        #expect(packet.header.payloadType == 96)
        #expect(packet.header.sequenceNumber == 0xABCD)
        #expect(packet.header.timestamp == 3000)
        #expect(packet.header.ssrc == 0x1122_3344)
        #expect(packet.header.csrcs == [0x0A0B_0C0D, 0x0102_0304])
        #expect(packet.header.extensionProfile == 0xBEDE)
        #expect(packet.header.extensionData == ByteBuffer(bytes: [0x10, 0xFF, 0, 0]))
        #expect(packet.payload == ByteBuffer(string: "hi"))
        #expect(RTPHeader.length(of: ByteBuffer(bytes: bytes)) == 28)
    }

    @Test func writesWhatItParses() throws {
        // setup
        let header = RTPHeader(marker: true, payloadType: 111, sequenceNumber: 65535, timestamp: 0xFFFF_FFFF, ssrc: 7,
                               csrcs: [9], extensionProfile: 0x1000, extensionData: ByteBuffer(bytes: [1, 2, 3, 4, 5, 6, 7, 8]))
        var buffer = ByteBuffer()
        // act
        RTPPacket(header: header, payload: ByteBuffer(bytes: [0xFC, 1, 2])).write(into: &buffer)
        let parsed = try RTPPacket(parsing: buffer)
        // check
        #expect(parsed.header == header)
        #expect(parsed.payload == ByteBuffer(bytes: [0xFC, 1, 2]))
    }

    @Test func refusesMalformedPackets() {
        let cases: [(String, RTPError)] = [
            ("80e0abcd 00000bb8 1122", .truncated("RTP header")),
            ("40e0abcd 00000bb8 11223344", .invalid("RTP version 1")),
            ("82e0abcd 00000bb8 11223344 0a0b0c0d", .truncated("RTP CSRC list")),
            ("90e0abcd 00000bb8 11223344 bede0002 10ff0000", .truncated("RTP header extension")),
            ("a0e0abcd 00000bb8 11223344 6869 00", .invalid("RTP padding")),
            ("a0e0abcd 00000bb8 11223344 6869 09", .invalid("RTP padding")),
        ]
        for (text, error) in cases {
            #expect(throws: error, "\(text)") { try RTPPacket(parsing: hexBuffer(text)) }
        }
        #expect(RTPHeader.length(of: hexBuffer("90e0abcd 00000bb8 11223344 bede0009")) == nil)
    }

    @Test func countersUnwrapAcrossTheWrap() {
        // setup
        var sequence = WrappingCounter<UInt16>()
        var timestamps = WrappingCounter<UInt32>()
        // act / check: forward across the wrap, and a late packet from before it
        #expect([65534, 65535, 0, 65533, 1].map { sequence.unwrap($0) } == [65534, 65535, 65536, 65533, 65537])
        #expect(timestamps.unwrap(0xFFFF_F000) == 0xFFFF_F000)
        #expect(timestamps.unwrap(0x0000_0BB8) == 0x1_0000_0BB8)
        #expect(timestamps.peek(0xFFFF_FFFF) == 0xFFFF_FFFF)
    }
}
