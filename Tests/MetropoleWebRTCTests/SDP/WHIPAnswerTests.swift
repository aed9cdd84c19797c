import Testing

@testable import MetropoleWebRTC

struct WHIPAnswerTests {
    static let fingerprint = CertificateFingerprint(algorithm: "sha-256", bytes: (0..<32).map { UInt8($0 * 7 & 0xFF) })

    static func answer(_ offerName: String) throws -> (WHIPOffer, String) {
        let offer = try WHIPOffer.parse(FixtureFiles.offer(offerName))
        let answer = WHIPAnswer(
            iceUfrag: "UfRg", icePwd: "0123456789abcdefghijkl", fingerprint: fingerprint,
            candidateAddress: "127.0.0.1", candidatePort: 40000, sessionID: 42
        )
        return (offer, answer.sdp(answering: offer))
    }

    @Test func answersOBSWithItsMidsInOrderAndPassiveSetup() throws {
        let (_, sdp) = try Self.answer("obs")
        let lines = sdp.components(separatedBy: "\r\n")

        #expect(sdp.hasPrefix("v=0\r\n"))
        #expect(sdp.hasSuffix("\r\n"))
        #expect(lines.contains("a=ice-lite"))
        #expect(lines.contains("a=group:BUNDLE 0 1"))
        #expect(lines.filter { $0.hasPrefix("m=") } == ["m=audio 9 UDP/TLS/RTP/SAVPF 111", "m=video 9 UDP/TLS/RTP/SAVPF 96"])
        #expect(lines.filter { $0 == "a=setup:passive" }.count == 2)
        #expect(lines.filter { $0 == "a=recvonly" }.count == 2)
        #expect(lines.filter { $0 == "a=rtcp-mux" }.count == 2)
        #expect(lines.contains("a=candidate:1 1 udp 2130706431 127.0.0.1 40000 typ host"))
        #expect(lines.filter { $0 == "a=end-of-candidates" }.count == 2)
        #expect(lines.contains("a=fingerprint:sha-256 00:07:0E:15:1C:23:2A:31:38:3F:46:4D:54:5B:62:69:70:77:7E:85:8C:93:9A:A1:A8:AF:B6:BD:C4:CB:D2:D9"))
        #expect(lines.contains("a=rtpmap:96 H264/90000"))
        #expect(lines.contains("a=fmtp:96 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f"))
        #expect(lines.filter { $0.hasPrefix("a=rtcp-fb:96 ") } == ["a=rtcp-fb:96 nack", "a=rtcp-fb:96 nack pli", "a=rtcp-fb:96 ccm fir"])
        #expect(lines.contains("a=rtpmap:111 opus/48000/2"))
        #expect(!sdp.contains("goog-remb"))
        #expect(!sdp.contains("sendonly"))
    }

    @Test func answersFFmpegsPassiveOfferWithActive() throws {
        let (_, sdp) = try Self.answer("ffmpeg")

        #expect(sdp.contains("a=setup:active\r\n"))
        #expect(!sdp.contains("a=setup:passive"))
        // FFmpeg takes the first `udp ... typ host` candidate and needs ufrag and pwd.
        #expect(sdp.contains("a=ice-ufrag:UfRg\r\n"))
        #expect(sdp.contains("a=ice-pwd:0123456789abcdefghijkl\r\n"))
    }

    /// The answer is itself SDP our parser reads, with the values we wrote.
    @Test func answerParsesBack() throws {
        for name in ["chromium", "aiortc", "obs", "ffmpeg"] {
            let (offer, sdp) = try Self.answer(name)
            let parsed = try SessionDescription.parse(sdp)
            #expect(parsed.attributes.has("ice-lite"))
            #expect(parsed.media.count == offer.sections.count)
            for media in parsed.media {
                #expect(media.direction == "recvonly")
                #expect(media.formats.count == 1)
                #expect(media.attributes.first("ice-ufrag")?.value == "UfRg")
                #expect(media.candidates.first?.port == 40000)
                #expect(CertificateFingerprint(sdpValue: media.attributes.first("fingerprint")?.value ?? "") == Self.fingerprint)
            }
        }
    }
}
