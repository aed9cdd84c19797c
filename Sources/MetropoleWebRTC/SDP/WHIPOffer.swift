/// What a WHIP offer asks for, once checked against what this server ingests: one H.264 video
/// and/or one Opus audio track, bundled on one ICE/DTLS transport with rtcp-mux.
///
/// An offer with only video or only audio is accepted when the track it has is usable; a
/// section that is present but unusable refuses the whole offer (RFC 9725 §4.2 allows no
/// partial answers), naming what is missing.
public struct WHIPOffer: Sendable {
    public struct VideoTrack: Sendable, Equatable {
        public var mid: String
        public var payloadType: UInt8
        /// 1 (FU-A, STAP-A) or 0 (single NAL unit).
        public var packetizationMode: Int
        /// Advisory: the in-band SPS decides the real profile and level.
        public var profileLevelID: String?
        /// Feedback both sides will use, from `nack`, `nack pli`, `ccm fir`.
        public var feedback: [String]
        public var ssrc: UInt32?
    }

    public struct AudioTrack: Sendable, Equatable {
        public var mid: String
        public var payloadType: UInt8
        /// 2 when the sender says it may send stereo (`sprop-stereo=1` or `stereo=1`), else 1.
        public var channels: Int
        public var ssrc: UInt32?
    }

    /// One `m=` section of the offer, in order, as the answer must list them.
    public enum Section: Sendable, Equatable {
        case video(mid: String)
        case audio(mid: String)
        /// A section the offerer disabled (port 0, not bundle-only): answered with port 0.
        case disabled(kind: String, mid: String?, transport: String, format: String)
    }

    public var iceUfrag: String
    public var icePwd: String
    public var fingerprint: CertificateFingerprint
    public var setup: DTLSSetup
    public var sections: [Section]
    public var video: VideoTrack?
    public var audio: AudioTrack?
    /// Transport (`UDP/TLS/RTP/SAVPF`) echoed in the answer.
    public var transport: String
    /// The offer's host and server-reflexive candidates, if it listed any (OBS and FFmpeg
    /// list none: their address is learnt from STUN).
    public var candidates: [ICECandidate]

    /// We open the DTLS handshake only when the offerer wants to be the DTLS server
    /// (FFmpeg's `setup:passive`).
    public var isDTLSClient: Bool { setup == .passive }

    public static func parse(_ text: String) throws(SDPError) -> WHIPOffer {
        try WHIPOffer(SessionDescription.parse(text))
    }

    public init(_ offer: SessionDescription) throws(SDPError) {
        guard !offer.media.isEmpty else { throw .malformed("the offer has no m= section") }
        var sections: [Section] = []
        var video: VideoTrack?
        var audio: AudioTrack?
        var transport: String?
        var transportSection: MediaDescription?
        for media in offer.media {
            guard media.port != 0 || media.attributes.has("bundle-only") else {
                sections.append(.disabled(kind: media.kind, mid: media.mid, transport: media.transport, format: media.formats.first ?? "0"))
                continue
            }
            let name = "the \(media.kind) section\(media.mid.map { " (mid \($0))" } ?? "")"
            guard let mid = media.mid, !mid.isEmpty else { throw .malformed("\(name) has no a=mid") }
            guard media.kind == "video" || media.kind == "audio" else {
                throw .unsupported("\(name): only one H.264 video and one Opus audio track are ingested")
            }
            guard media.transport.uppercased().contains("TLS/RTP/SAVP") else {
                throw .unsupported("\(name) uses \(media.transport); WebRTC ingest needs UDP/TLS/RTP/SAVPF (DTLS-SRTP)")
            }
            guard media.direction == "sendonly" || media.direction == "sendrecv" else {
                throw .unsupported("\(name) is \(media.direction): a WHIP offer must send media")
            }
            guard media.attributes.has("rtcp-mux") else { throw .unsupported("\(name) lacks a=rtcp-mux, which WHIP requires") }
            guard !media.attributes.has("simulcast") else {
                throw .unsupported("\(name) offers simulcast, which is not supported: publish a single video encoding")
            }
            if media.kind == "video" {
                guard video == nil else { throw .unsupported("the offer has two video sections; one video track is ingested") }
                video = try Self.chooseVideo(media, mid: mid)
                sections.append(.video(mid: mid))
            } else {
                guard audio == nil else { throw .unsupported("the offer has two audio sections; one audio track is ingested") }
                audio = try Self.chooseAudio(media, mid: mid)
                sections.append(.audio(mid: mid))
            }
            if transport == nil {
                transport = media.transport
                transportSection = media
            }
        }
        guard let transport, let transportSection else { throw .unsupported("every section of the offer is disabled") }
        if video != nil, audio != nil {
            let bundle = offer.attributes.values("group").first { $0.hasPrefix("BUNDLE ") }?.split(separator: " ").dropFirst().map(String.init) ?? []
            for mid in [video!.mid, audio!.mid] where !bundle.contains(mid) {
                throw .unsupported("mid \(mid) is not in a=group:BUNDLE; WHIP needs audio and video bundled on one transport")
            }
        }

        // RFC 8843: bundled sections share one transport; its attributes may be at either
        // level (OBS 30.1 put the ufrag at session level, later versions at media level).
        func attribute(_ name: String) -> String? {
            transportSection.attributes.first(name)?.value ?? offer.attributes.first(name)?.value
        }
        guard let ufrag = attribute("ice-ufrag"), !ufrag.isEmpty else { throw .malformed("the offer has no a=ice-ufrag") }
        guard let pwd = attribute("ice-pwd"), !pwd.isEmpty else { throw .malformed("the offer has no a=ice-pwd") }
        guard ufrag.utf8.count <= 256, pwd.utf8.count <= 256, !ufrag.contains(":"), !ufrag.contains(" ") else {
            throw .malformed("the offer's ice-ufrag or ice-pwd is not ICE text (RFC 8839 ice-char, at most 256)")
        }
        let fingerprintValues = transportSection.attributes.values("fingerprint") + offer.attributes.values("fingerprint")
        let fingerprints = fingerprintValues.compactMap(CertificateFingerprint.init(sdpValue:))
        guard !fingerprintValues.isEmpty else { throw .malformed("the offer has no a=fingerprint") }
        guard let fingerprint = fingerprints.first(where: { $0.algorithm == "sha-256" && $0.bytes.count == 32 }) else {
            throw .unsupported("the offer has no sha-256 a=fingerprint (found: \(fingerprints.map(\.algorithm).joined(separator: ", ")))")
        }
        let setup: DTLSSetup
        if let value = attribute("setup") {
            guard let parsed = DTLSSetup(rawValue: value.lowercased()) else { throw .malformed("a=setup:\(value) is not actpass, active or passive") }
            setup = parsed
        } else {
            setup = .active  // RFC 8842 §5.2: the offerer's default
        }
        guard setup != .holdconn else { throw .unsupported("a=setup:holdconn: the offer must open a DTLS connection") }

        self.iceUfrag = ufrag
        self.icePwd = pwd
        self.fingerprint = fingerprint
        self.setup = setup
        self.sections = sections
        self.video = video
        self.audio = audio
        self.transport = transport
        self.candidates = offer.media.flatMap(\.candidates) + offer.attributes.values("candidate").compactMap(ICECandidate.init(sdpValue:))
    }

    /// H.264 with packetization-mode 1 first (what every WebRTC sender uses for large
    /// frames), mode 0 only when nothing else is offered; offer order breaks ties.
    private static func chooseVideo(_ media: MediaDescription, mid: String) throws(SDPError) -> VideoTrack {
        let offered = media.formats.compactMap(UInt8.init)
        let maps = media.rtpMaps
        var best: VideoTrack?
        for payloadType in offered {
            guard let map = maps.first(where: { $0.payloadType == payloadType }),
                  map.encoding.uppercased() == "H264", map.clockRate == 90000 else { continue }
            let parameters = media.formatParameters(payloadType)
            let mode = Int(parameters["packetization-mode"] ?? "0") ?? -1
            guard mode == 0 || mode == 1 else { continue }
            let track = VideoTrack(
                mid: mid, payloadType: payloadType, packetizationMode: mode, profileLevelID: parameters["profile-level-id"],
                feedback: media.feedback(payloadType).filter { ["nack", "nack pli", "ccm fir"].contains($0) }.uniqued(),
                ssrc: media.ssrc
            )
            if mode == 1 { return track }
            if best == nil { best = track }
        }
        guard let best else {
            let names = Set(maps.filter { offered.contains($0.payloadType) }.map(\.encoding)).sorted().joined(separator: ", ")
            throw .unsupported("no H.264 video (packetization-mode 0 or 1) in the video section (mid \(mid)); offered: \(names.isEmpty ? "nothing" : names)")
        }
        return best
    }

    private static func chooseAudio(_ media: MediaDescription, mid: String) throws(SDPError) -> AudioTrack {
        let offered = media.formats.compactMap(UInt8.init)
        let maps = media.rtpMaps
        for payloadType in offered {
            guard let map = maps.first(where: { $0.payloadType == payloadType }),
                  map.encoding.lowercased() == "opus", map.clockRate == 48000, map.channels == 2 else { continue }
            let parameters = media.formatParameters(payloadType)
            let stereo = parameters["sprop-stereo"] == "1" || parameters["stereo"] == "1"
            return AudioTrack(mid: mid, payloadType: payloadType, channels: stereo ? 2 : 1, ssrc: media.ssrc)
        }
        let names = Set(maps.filter { offered.contains($0.payloadType) }.map(\.encoding)).sorted().joined(separator: ", ")
        throw .unsupported("no Opus audio (opus/48000/2) in the audio section (mid \(mid)); offered: \(names.isEmpty ? "nothing" : names)")
    }
}

extension Array where Element: Hashable {
    func uniqued() -> [Element] {
        var seen = Set<Element>()
        return filter { seen.insert($0).inserted }
    }
}
