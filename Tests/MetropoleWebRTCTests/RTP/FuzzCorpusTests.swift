import Foundation
import MetropoleMedia
import NIOCore
import Testing

@testable import MetropoleWebRTC

/// The fuzzer's seeds (`Fixtures/make_corpus.py`) are real packets; they must still mean what
/// they meant, or the fuzzer starts from noise.
@Suite struct FuzzCorpusTests {
    static func seed(_ name: String) throws -> (selector: UInt8, body: ByteBuffer) {
        let bytes = Array(try FixtureFiles.data("corpus/media-\(name)"))
        return (try #require(bytes.first), ByteBuffer(bytes: bytes.dropFirst()))
    }

    @Test func packetSeedsParse() throws {
        for name in ["rtp-h264-stap-a", "rtp-h264-fu-a", "rtp-opus", "rtp-extension", "rtp-csrcs"] {
            let (selector, body) = try Self.seed(name)
            #expect(selector == 4)
            _ = try RTPPacket(parsing: body)
        }
        for name in ["rtcp-sender-report", "rtcp-rr-sdes", "rtcp-feedback"] {
            let (selector, body) = try Self.seed(name)
            #expect(selector == 5)
            #expect(try RTCPPacket.parseCompound(body).allSatisfy { if case .unknown = $0 { false } else { true } })
        }
    }

    @Test func srtpSeedsUnprotectWithTheFuzzersKeys() throws {
        for (name, profile) in [("srtp-cm-rtp", SRTPProtectionProfile.aes128CMHMACSHA1_80), ("srtp-gcm-rtp", .aeadAES128GCM)] {
            let (_, body) = try Self.seed(name)
            // The seeds carry libsrtp's keys; the harness's fixed key differs, so they exercise
            // the rejection path. Check they are at least well-formed SRTP.
            #expect(RTPHeader.length(of: body) != nil)
            #expect(body.readableBytes > RTPHeader.fixedLength + profile.rtpOverhead)
        }
    }

    @Test func receiverScriptSeedStartsAVideoTrack() throws {
        // setup: the harness's record format: flags (bit 0 marker, bit 1 next timestamp), u16 length, payload
        var (selector, script) = try Self.seed("h264-receiver-keyframe")
        #expect(selector == 8)
        var receiver = MediaReceiver(media: NegotiatedMedia(video: .init(payloadType: 102), audio: nil), localSSRC: 1)
        var sequence: UInt16 = 65500
        var timestamp: UInt32 = 0xFFFF_0000
        var actions: [MediaReceiverAction] = []
        // act
        while let (flags, length) = script.readMultipleIntegers(as: (UInt8, UInt16).self), let payload = script.readSlice(length: Int(length)) {
            sequence &+= 1
            if flags & 0x02 != 0 { timestamp &+= 3000 }
            var packet = ByteBuffer()
            RTPPacket(header: RTPHeader(marker: flags & 1 != 0, payloadType: 102, sequenceNumber: sequence, timestamp: timestamp, ssrc: 9),
                      payload: payload).write(into: &packet)
            actions += receiver.receiveRTP(packet, at: .uptimeNanoseconds(1_000_000_000))
        }
        // check
        #expect(actions.contains { if case .track(.avc) = $0 { true } else { false } })
        #expect(actions.contains { if case .frame(let frame) = $0 { frame.isKeyframe } else { false } })
        #expect(receiver.stats.video.framesDelivered >= 5)
    }
}
