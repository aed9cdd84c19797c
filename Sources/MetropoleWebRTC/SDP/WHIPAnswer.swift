/// Writes the answer to a `WHIPOffer` (RFC 9725 §4.2; JSEP's answer rules): ICE-lite, our
/// credentials and certificate fingerprint, the DTLS role the offer leaves us, `recvonly`,
/// BUNDLE over the offer's mids, rtcp-mux, our one host candidate, and for each track only
/// the payload type chosen and the feedback both sides support.
public struct WHIPAnswer: Sendable {
    public var iceUfrag: String
    public var icePwd: String
    public var fingerprint: CertificateFingerprint
    /// The address and UDP port of our one candidate, as the publisher must reach it.
    public var candidateAddress: String
    public var candidatePort: Int
    /// `o=` session id: random per answer.
    public var sessionID: UInt64

    public init(iceUfrag: String, icePwd: String, fingerprint: CertificateFingerprint, candidateAddress: String, candidatePort: Int, sessionID: UInt64) {
        self.iceUfrag = iceUfrag
        self.icePwd = icePwd
        self.fingerprint = fingerprint
        self.candidateAddress = candidateAddress
        self.candidatePort = candidatePort
        self.sessionID = sessionID
    }

    /// Host candidate priority (RFC 8445 §5.1.2.1): type preference 126, local preference
    /// 65535, component 1.
    static let hostPriority: UInt32 = (126 << 24) | (65535 << 8) | (256 - 1)

    public func sdp(answering offer: WHIPOffer) -> String {
        let family = candidateAddress.contains(":") ? "IP6" : "IP4"
        var lines = [
            "v=0",
            "o=- \(sessionID) 1 IN \(family) \(candidateAddress)",
            "s=-",
            "t=0 0",
            "a=ice-lite",
        ]
        let mids = offer.sections.compactMap { section -> String? in
            switch section {
            case .video(let mid), .audio(let mid): mid
            case .disabled: nil
            }
        }
        lines.append("a=group:BUNDLE \(mids.joined(separator: " "))")
        lines.append("a=msid-semantic: WMS")
        for section in offer.sections {
            switch section {
            case .video:
                guard let video = offer.video else { continue }
                lines += transportLines(kind: "video", payloadType: video.payloadType, mid: video.mid, offer: offer)
                lines.append("a=rtpmap:\(video.payloadType) H264/90000")
                var parameters = "level-asymmetry-allowed=1;packetization-mode=\(video.packetizationMode)"
                if let profile = video.profileLevelID { parameters += ";profile-level-id=\(profile)" }
                lines.append("a=fmtp:\(video.payloadType) \(parameters)")
                lines += video.feedback.map { "a=rtcp-fb:\(video.payloadType) \($0)" }
            case .audio:
                guard let audio = offer.audio else { continue }
                lines += transportLines(kind: "audio", payloadType: audio.payloadType, mid: audio.mid, offer: offer)
                lines.append("a=rtpmap:\(audio.payloadType) opus/48000/2")
                lines.append("a=fmtp:\(audio.payloadType) minptime=10;useinbandfec=1\(audio.channels == 2 ? ";stereo=1;sprop-stereo=1" : "")")
            case .disabled(let kind, let mid, let transport, let format):
                lines.append("m=\(kind) 0 \(transport) \(format)")
                lines.append("c=IN IP4 0.0.0.0")
                if let mid { lines.append("a=mid:\(mid)") }
                lines.append("a=inactive")
            }
        }
        return lines.joined(separator: "\r\n") + "\r\n"
    }

    private func transportLines(kind: String, payloadType: UInt8, mid: String, offer: WHIPOffer) -> [String] {
        [
            "m=\(kind) 9 \(offer.transport) \(payloadType)",
            "c=IN IP4 0.0.0.0",
            "a=mid:\(mid)",
            "a=recvonly",
            "a=rtcp-mux",
            "a=ice-ufrag:\(iceUfrag)",
            "a=ice-pwd:\(icePwd)",
            "a=fingerprint:\(fingerprint.sdpValue)",
            // We are the DTLS server unless the offerer insists on being it (FFmpeg).
            "a=setup:\(offer.isDTLSClient ? "active" : "passive")",
            "a=candidate:1 1 udp \(Self.hostPriority) \(candidateAddress) \(candidatePort) typ host",
            "a=end-of-candidates",
        ]
    }
}
