import NIOCore
import Testing

@testable import MetropoleWebRTC

@Suite struct RTCPPacketTests {
    @Test func readsFFmpegsSenderReport() throws {
        // setup: the video SR from the capture
        let capture = try Capture.plain()
        let bytes = try #require(capture.datagrams.first { $0.channel == .videoRTCP }).bytes
        // act
        let packets = try RTCPPacket.parseCompound(bytes)
        // check
        #expect(packets == [.senderReport(RTCPSenderReport(
            ssrc: Capture.videoSSRC, ntpTimestamp: 0xEEBA_F0FA_0FDF_3B64, rtpTimestamp: 2_356_156_870, packetCount: 0, octetCount: 0
        ))])
    }

    @Test func everyKindRoundTripsInOneCompoundPacket() throws {
        // setup
        let block = RTCPReportBlock(ssrc: 0x1111, fractionLost: 25, cumulativeLost: -3, extendedHighestSequenceNumber: 0x0001_0005,
                                    jitter: 90, lastSenderReport: 0xF0FA_0FDF, delaySinceLastSenderReport: 65536)
        let feedback = RTCPFeedbackHeader(senderSSRC: 0xFEED, mediaSSRC: 0x1111)
        let packets: [RTCPPacket] = [
            .senderReport(RTCPSenderReport(ssrc: 0x2222, ntpTimestamp: 0x0102_0304_0506_0708, rtpTimestamp: 9, packetCount: 10,
                                           octetCount: 11, reports: [block])),
            .receiverReport(RTCPReceiverReport(ssrc: 0xFEED, reports: [block, block])),
            .sourceDescription([RTCPSourceDescriptionChunk(ssrc: 0xFEED, canonicalName: "metropole-feed"),
                                RTCPSourceDescriptionChunk(ssrc: 0xBEEF, canonicalName: "abc")]),
            .nack(feedback, lost: [1000, 1001, 1005, 1017, 65535, 0, 1]),
            .pictureLossIndication(feedback),
            .fullIntraRequest(RTCPFeedbackHeader(senderSSRC: 0xFEED, mediaSSRC: 0), entries: [RTCPFullIntraRequestEntry(ssrc: 0x1111, sequenceNumber: 7)]),
            .goodbye(RTCPGoodbye(ssrcs: [0x2222], reason: "done")),
        ]
        // act
        let bytes = RTCPPacket.compound(packets)
        let parsed = try RTCPPacket.parseCompound(bytes)
        // check
        #expect(parsed == packets)
        #expect(bytes.readableBytes % 4 == 0)
    }

    @Test func nackItemsCoverSixteenFollowersEach() {
        #expect(RTCPPacket.nackItems([1000, 1001, 1005, 1016, 1017, 1018]).map { [$0.0, $0.1] }
            == [[1000, 0b1000_0000_0001_0001], [1017, 0b1]])
        #expect(RTCPPacket.nackItems([65535, 0, 1]).map { [$0.0, $0.1] } == [[65535, 0b11]])
    }

    @Test func unknownPacketsAreSkippedNotFatal() throws {
        // setup: RR, then a REMB (PSFB FMT 15, as Chrome sends it), a transport-wide feedback
        // (RTPFB FMT 15), an XR (207), then SDES
        let bytes = hexBuffer("""
            80c90001 feedbeef
            8fce0005 feedbeef 00000000 52454d42 0105dc1e 11223344
            8fcd0002 feedbeef 11223344
            80cf0001 feedbeef
            81ca0002 feedbeef 01000000
            """)
        // act
        let packets = try RTCPPacket.parseCompound(bytes)
        // check
        #expect(packets.count == 5)
        #expect(packets[1] == .unknown(packetType: 206, format: 15))
        #expect(packets[2] == .unknown(packetType: 205, format: 15))
        #expect(packets[3] == .unknown(packetType: 207, format: 0))
        #expect(packets[4] == .sourceDescription([RTCPSourceDescriptionChunk(ssrc: 0xFEED_BEEF, canonicalName: "")]))
    }

    @Test func refusesPacketsThatOverrunOrLie() {
        let cases: [(String, RTPError)] = [
            ("80c9", .truncated("RTCP header")),
            ("40c90001 feedbeef", .invalid("RTCP version 1")),
            ("80c90005 feedbeef", .truncated("RTCP packet")),
            ("81c90001 feedbeef", .truncated("RTCP report blocks")),
            ("80c80001 feedbeef", .truncated("RTCP sender report")),
            ("81ca0001 feedbeef", .truncated("RTCP SDES items")),
            ("82cb0001 feedbeef", .truncated("RTCP BYE")),
            ("a0c90001 feedbe09", .invalid("RTCP padding")),
        ]
        for (text, error) in cases {
            #expect(throws: error, "\(text)") { try RTCPPacket.parseCompound(hexBuffer(text)) }
        }
    }
}
