import Testing

@testable import MetropoleWebRTC

/// Offers real publishers make: Chromium 156 and aiortc 1.16 captured here
/// (Peers/capture_chromium_offer.py, Peers/aiortc_publisher.py --offer-only); OBS
/// (libdatachannel) and FFmpeg's WHIP muxer written as their source builds them.
struct WHIPOfferTests {
    @Test func chromiumPicksTheFirstH264WithPacketizationModeOne() throws {
        let offer = try WHIPOffer.parse(FixtureFiles.offer("chromium"))

        let video = try #require(offer.video)
        #expect(video.mid == "0")
        #expect(video.payloadType == 102)
        #expect(video.packetizationMode == 1)
        #expect(video.profileLevelID == "42001f")
        #expect(video.feedback == ["ccm fir", "nack", "nack pli"])
        let audio = try #require(offer.audio)
        #expect(audio.mid == "1")
        #expect(audio.payloadType == 111)
        #expect(audio.channels == 1)
        #expect(offer.setup == .actpass)
        #expect(!offer.isDTLSClient)
        #expect(offer.iceUfrag == "7gk1")
        #expect(offer.fingerprint.algorithm == "sha-256")
        #expect(offer.sections == [.video(mid: "0"), .audio(mid: "1")])
    }

    @Test func aiortcTakesTheSHA256FingerprintAndItsCandidates() throws {
        let offer = try WHIPOffer.parse(FixtureFiles.offer("aiortc"))

        #expect(offer.video?.payloadType == 99)
        #expect(offer.video?.ssrc == 2745964820)
        #expect(offer.audio?.payloadType == 96)
        #expect(offer.fingerprint.bytes.count == 32)
        #expect(offer.fingerprint.bytes.first == 0x85)
        #expect(offer.candidates.map(\.address) == ["127.0.0.1", "127.0.0.1"])
        #expect(offer.candidates.allSatisfy { $0.type == "host" && $0.transport == "udp" })
    }

    @Test func obsHasSessionLevelFingerprintAudioFirstAndNoCandidates() throws {
        let offer = try WHIPOffer.parse(FixtureFiles.offer("obs"))

        #expect(offer.sections == [.audio(mid: "0"), .video(mid: "1")])
        #expect(offer.audio == .init(mid: "0", payloadType: 111, channels: 2, ssrc: 2154384190))
        #expect(offer.video?.payloadType == 96)
        #expect(offer.video?.feedback == ["nack", "nack pli", "ccm fir"])
        #expect(offer.candidates.isEmpty)
        #expect(offer.iceUfrag == "Kv4m")
        #expect(offer.fingerprint.bytes.first == 0x7F)
    }

    @Test func ffmpegOffersPassiveSoWeAreTheDTLSClient() throws {
        let offer = try WHIPOffer.parse(FixtureFiles.offer("ffmpeg"))

        #expect(offer.setup == .passive)
        #expect(offer.isDTLSClient)
        #expect(offer.video?.payloadType == 106)
        #expect(offer.video?.feedback == [])
        #expect(offer.audio?.payloadType == 111)
    }

    @Test func sessionLevelICECredentialsAreUsed() throws {
        // OBS 30.1 put the ufrag and pwd at session level.
        let text = try FixtureFiles.offer("obs")
            .replacingOccurrences(of: "a=ice-ufrag:Kv4m\r\na=ice-pwd:5w8Yy0a6mgiq1WbQtCR3Bj\r\n", with: "")
            .replacingOccurrences(of: "a=ice-options:ice2,trickle\r\n", with: "a=ice-ufrag:sess\r\na=ice-pwd:sessionpasswordsessionpw\r\n")

        let offer = try WHIPOffer.parse(text)

        #expect(offer.iceUfrag == "sess")
        #expect(offer.icePwd == "sessionpasswordsessionpw")
    }

    @Test func videoOnlyAndAudioOnlyOffersAreAccepted() throws {
        let obs = try FixtureFiles.offer("obs")
        let audioOnly = String(obs[..<obs.range(of: "m=video")!.lowerBound]).replacingOccurrences(of: "BUNDLE 0 1", with: "BUNDLE 0")
        let offer = try WHIPOffer.parse(audioOnly)
        #expect(offer.video == nil)
        #expect(offer.audio?.payloadType == 111)
    }

    @Test func refusesWhatItCannotIngestNamingWhatIsMissing() throws {
        let obs = try FixtureFiles.offer("obs")
        func error(_ text: String) -> SDPError? {
            do {
                _ = try WHIPOffer.parse(text)
                return nil
            } catch {
                return error
            }
        }

        #expect(error(obs.replacingOccurrences(of: "H264/90000", with: "VP8/90000"))
            == .unsupported("no H.264 video (packetization-mode 0 or 1) in the video section (mid 1); offered: VP8"))
        #expect(error(obs.replacingOccurrences(of: "opus/48000/2", with: "PCMU/8000"))
            == .unsupported("no Opus audio (opus/48000/2) in the audio section (mid 0); offered: PCMU"))
        #expect(error(obs.replacingOccurrences(of: "sha-256", with: "sha-1"))
            == .unsupported("the offer has no sha-256 a=fingerprint (found: sha-1)"))
        #expect(error(obs.replacingOccurrences(of: "a=sendonly", with: "a=recvonly"))
            == .unsupported("the audio section (mid 0) is recvonly: a WHIP offer must send media"))
        #expect(error(obs.replacingOccurrences(of: "a=rtcp-mux\r\n", with: ""))
            == .unsupported("the audio section (mid 0) lacks a=rtcp-mux, which WHIP requires"))
        #expect(error(obs.replacingOccurrences(of: "BUNDLE 0 1", with: "BUNDLE 0"))
            == .unsupported("mid 1 is not in a=group:BUNDLE; WHIP needs audio and video bundled on one transport"))
        #expect(error(obs.replacingOccurrences(of: "a=ice-pwd:5w8Yy0a6mgiq1WbQtCR3Bj\r\n", with: ""))
            == .malformed("the offer has no a=ice-pwd"))
        #expect(error("v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n") == .malformed("the offer has no m= section"))
        #expect(error("hello") == .malformed("line 1 is not <type>=<value>: hello"))
        #expect(error("") == .malformed("the offer is empty"))
        #expect(error("o=- 1 1 IN IP4 0.0.0.0\r\n") == .malformed("the first line must be v=0"))
        #expect(error("v=0\r\nm=video x UDP/TLS/RTP/SAVPF 96\r\n") == .malformed("m= line 2 has port x"))
        #expect(error(obs + "m=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\na=mid:2\r\n")
            == .unsupported("the application section (mid 2): only one H.264 video and one Opus audio track are ingested"))
        #expect(error(String(repeating: "a", count: 70000)) == .malformed("the offer is 70000 bytes; at most 65536 are accepted"))
    }
}
