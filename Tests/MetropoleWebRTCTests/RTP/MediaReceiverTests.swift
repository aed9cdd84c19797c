import MetropoleMedia
import NIOCore
import Testing

@testable import MetropoleWebRTC

/// The receiver's RTCP duties and routing, on synthetic packets.
@Suite struct MediaReceiverTests {
    static let media = NegotiatedMedia(video: .init(payloadType: 102, ssrc: 0xAAAA, rtxPayloadType: 103), audio: .init(payloadType: 111, channels: 1))

    static func rtp(_ payload: [UInt8], sequence: UInt16, timestamp: UInt32, marker: Bool = true, payloadType: UInt8 = 102,
                    ssrc: UInt32 = 0xAAAA) -> ByteBuffer {
        var buffer = ByteBuffer()
        RTPPacket(header: RTPHeader(marker: marker, payloadType: payloadType, sequenceNumber: sequence, timestamp: timestamp, ssrc: ssrc),
                  payload: ByteBuffer(bytes: payload)).write(into: &buffer)
        return buffer
    }

    static let keyframe = H264DepacketizerTests.stapA([H264DepacketizerTests.sps, H264DepacketizerTests.pps, H264DepacketizerTests.idr])

    @Test func asksForAKeyframeAtMostTwiceASecondWhileItWaits() {
        // setup: a stream that joined mid-GOP: P-frames only
        var run = ReceiverRun(media: Self.media)
        for index in 0..<30 {
            // act: 30 fps for one second
            let micros = Int64(index) * 33_333
            run.advance(to: micros)
            run.actions += run.receiver.receiveRTP(Self.rtp(H264DepacketizerTests.slice, sequence: UInt16(index), timestamp: UInt32(index) * 3000),
                                                   at: run.time(micros))
        }
        // check
        let plis = run.rtcp.filter { $0.contains { if case .pictureLossIndication(let h) = $0 { h.mediaSSRC == 0xAAAA } else { false } } }
        #expect(plis.count == 2)
        #expect(run.receiver.stats.video.pictureLossIndicationsSent == 2)
        #expect(run.frames.isEmpty)
        // every feedback packet is a full compound: RR first, then SDES with our CNAME
        for packet in plis {
            guard case .receiverReport = packet.first, case .sourceDescription(let chunks) = packet[1] else {
                Issue.record("feedback not in a compound packet")
                continue
            }
            #expect(chunks.first?.canonicalName == "metropole-feedbeef")
        }
    }

    @Test func reportsReceptionEverySecond() throws {
        // setup: 100 video packets with 10 lost, and one sender report
        var run = ReceiverRun(media: Self.media)
        run.actions += run.receiver.receiveRTP(Self.rtp(Self.keyframe, sequence: 0, timestamp: 0), at: run.time(0))
        let report = RTCPPacket.compound([.senderReport(RTCPSenderReport(ssrc: 0xAAAA, ntpTimestamp: 0x1234_5678_9ABC_DEF0, rtpTimestamp: 0,
                                                                          packetCount: 1, octetCount: 10))])
        run.actions += run.receiver.receiveRTCP(report, at: run.time(1_000))
        for sequence in 1..<100 where sequence % 10 != 5 {
            let micros = Int64(sequence) * 10_000
            run.advance(to: micros)
            run.actions += run.receiver.receiveRTP(Self.rtp(H264DepacketizerTests.slice, sequence: UInt16(sequence), timestamp: UInt32(sequence) * 3000),
                                                   at: run.time(micros))
        }
        run.advance(to: 2_100_000)
        // check
        let reports = run.rtcp.compactMap { packets -> RTCPReportBlock? in
            guard case .receiverReport(let rr) = packets.first else { return nil }
            return rr.reports.first
        }
        #expect(reports.count == 3) // at 0, 1 s and 2 s
        let second = reports[1]
        #expect(second.ssrc == 0xAAAA)
        #expect(second.extendedHighestSequenceNumber == 99)
        #expect(second.cumulativeLost == 10)
        #expect(second.fractionLost == UInt8(10 * 256 / 99))
        #expect(second.lastSenderReport == 0x5678_9ABC)
        #expect(second.delaySinceLastSenderReport == 65536 - 66) // 999 ms after the report
        #expect(run.receiver.stats.video.packetsLost == 10)
        #expect(run.receiver.stats.senderReportsReceived == 1)
    }

    @Test func retransmissionsOnRTXFillTheGap() {
        // setup: packet 1 of three is lost and then arrives on the RTX stream (SSRC 0xCCCC)
        var run = ReceiverRun(media: Self.media)
        let slice = H264DepacketizerTests.slice
        run.actions += run.receiver.receiveRTP(Self.rtp(Self.keyframe, sequence: 0, timestamp: 0), at: run.time(0))
        run.actions += run.receiver.receiveRTP(Self.rtp(slice, sequence: 2, timestamp: 6000), at: run.time(66_000))
        // act
        let nacks = run.rtcp.flatMap { $0.compactMap { if case .nack(_, let lost) = $0 { lost } else { nil } } }
        run.actions += run.receiver.receiveRTP(Self.rtp([0, 1] + slice, sequence: 500, timestamp: 3000, payloadType: 103, ssrc: 0xCCCC),
                                               at: run.time(70_000))
        // padding-only RTX probes are not retransmissions
        run.actions += run.receiver.receiveRTP(Self.rtp([0, 9], sequence: 501, timestamp: 3000, payloadType: 103, ssrc: 0xCCCC),
                                               at: run.time(71_000))
        // check
        #expect(nacks == [[1]])
        #expect(run.frames.map(\.dts) == [0, 33, 66])
        let stats = run.receiver.stats.video
        #expect(stats.retransmissionsReceived == 1 && stats.packetsLost == 0 && stats.framesDropped == 0)
    }

    @Test func opusFramesFollowTheirConfigurationAndForeignPacketsAreIgnored() throws {
        // setup
        var run = ReceiverRun(media: Self.media)
        // act: two Opus packets, a packet of an unknown payload type, one from another video SSRC,
        // and bytes that are not RTP
        run.actions += run.receiver.receiveRTP(Self.rtp([0xFC, 1], sequence: 7, timestamp: 960, payloadType: 111, ssrc: 0xB), at: run.time(0))
        run.actions += run.receiver.receiveRTP(Self.rtp([0xFC, 2], sequence: 8, timestamp: 1920, payloadType: 111, ssrc: 0xB), at: run.time(20_000))
        run.actions += run.receiver.receiveRTP(Self.rtp([1], sequence: 1, timestamp: 0, payloadType: 96), at: run.time(21_000))
        run.actions += run.receiver.receiveRTP(Self.rtp(Self.keyframe, sequence: 1, timestamp: 0, ssrc: 0xDDDD), at: run.time(22_000))
        run.actions += run.receiver.receiveRTP(ByteBuffer(bytes: [1, 2, 3]), at: run.time(23_000))
        // check
        guard case .track(.opus(let config)) = run.actions.first else {
            Issue.record("no Opus configuration first")
            return
        }
        #expect(config.channelCount == 1)
        #expect(run.frames.map(\.dts) == [0, 20])
        #expect(run.frames.allSatisfy { $0.kind == .audio && $0.isKeyframe })
        #expect(run.receiver.stats.packetsIgnored == 3)
        #expect(run.receiver.stats.audio.ssrc == 0xB)
    }

    @Test func aKeyframeBeforeTheFirstOpusPacketStillStartsWithBothTracks() async throws {
        // setup: video's keyframe arrives 5 ms before the first Opus packet
        var run = ReceiverRun(media: Self.media)
        let hub = LiveHub(name: "race")
        // act
        run.actions += run.receiver.receiveRTP(Self.rtp(Self.keyframe, sequence: 0, timestamp: 0), at: run.time(0))
        run.actions += run.receiver.receiveRTP(Self.rtp([0xFC, 1], sequence: 7, timestamp: 960, payloadType: 111, ssrc: 0xB), at: run.time(5_000))
        for action in run.actions {
            switch action {
            case .track(let config): hub.setTrack(config)
            case .frame(let frame): hub.ingest(frame)
            case .sendRTCP: break
            }
        }
        // check: the audio configuration came first, so one init segment holds both tracks
        guard case .track(.opus) = run.actions.first else {
            Issue.record("the Opus configuration did not come first: \(run.actions)")
            return
        }
        #expect(hub.mimeType?.hasSuffix(",opus\"") == true, "\(hub.mimeType ?? "no init segment")")
        #expect(await hub.resource(named: "init.mp4") != nil)
        #expect(await hub.resource(named: "init1.mp4") == nil, "a second init segment was built")
    }

    @Test func goodbyeAndMalformedRTCPAreCounted() {
        var run = ReceiverRun(media: Self.media)
        _ = run.receiver.receiveRTP(Self.rtp(Self.keyframe, sequence: 0, timestamp: 0), at: run.time(0))
        _ = run.receiver.receiveRTCP(RTCPPacket.compound([.goodbye(RTCPGoodbye(ssrcs: [0xAAAA]))]), at: run.time(1))
        _ = run.receiver.receiveRTCP(ByteBuffer(bytes: [0x80, 0xC9, 0x00, 0x09]), at: run.time(2))
        #expect(run.receiver.stats.goodbyeReceived)
        #expect(run.receiver.stats.rtcpPacketsMalformed == 1)
        #expect(run.receiver.stats.rtcpPacketsReceived == 1)
    }
}
