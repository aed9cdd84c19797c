/// Decides when a stream has an init segment and which tracks it holds.
///
/// The rule: publishers announce configurations before frames, but nothing says whether a
/// second track will follow. So
/// - the init segment is built at the first video keyframe, with audio included when its
///   configuration has arrived by then; earlier video frames cannot be decoded and earlier
///   audio would precede the video, so both are dropped;
/// - without a video configuration, audio is held until `audioOnlyDecisionDelay` of it has
///   arrived (1 s by default) and the stream then starts audio only, held frames included;
/// - a configuration that differs from the one in use, or a track that was not in the init
///   segment, invalidates the layout: the next frame that qualifies by the same rule builds a
///   new init segment (a new generation).
struct StreamLayout {
    private(set) var video: TrackConfig?
    private(set) var audio: TrackConfig?
    /// The tracks of the init segment in use; empty while there is none.
    private(set) var tracks: [FMP4Track] = []
    /// Counts init segments built, from 0.
    private(set) var generation = -1
    private var firstAudioDTS: Int64?
    private var heldAudio: [MediaFrame] = []
    let audioOnlyDecisionDelay: Int64

    static let videoTrackID: UInt32 = 1
    static let audioTrackID: UInt32 = 2
    /// Bounds the audio held during the decision delay (about 10 s of AAC at 48 kHz).
    static let heldAudioLimit = 512

    init(audioOnlyDecisionDelay: Int64) {
        self.audioOnlyDecisionDelay = audioOnlyDecisionDelay
    }

    var isReady: Bool { !tracks.isEmpty }
    var hasVideo: Bool { tracks.contains { $0.kind == .video } }

    /// Records a configuration; `true` when it invalidates the init segment in use.
    mutating func setTrack(_ config: TrackConfig) -> Bool {
        switch config.kind {
        case .video:
            guard video != config else { return false }
            video = config
        case .audio:
            guard audio != config else { return false }
            audio = config
        }
        guard isReady else { return false }
        tracks = []
        heldAudio = []
        return true
    }

    enum Admission {
        /// Not usable: no configuration, or video waiting for a keyframe.
        case drop
        /// Kept back while deciding whether the stream is audio only.
        case hold
        /// Goes into the stream; `startsLayout` when a new init segment must be built first, and
        /// `replay` lists held frames that go in before this one.
        case accept(startsLayout: Bool, replay: [MediaFrame])
    }

    mutating func admit(_ frame: MediaFrame) -> Admission {
        if isReady {
            return tracks.contains { $0.kind == frame.kind } ? .accept(startsLayout: false, replay: []) : .drop
        }
        switch frame.kind {
        case .video:
            guard let video, frame.isKeyframe else { return .drop }
            tracks = [FMP4Track(id: Self.videoTrackID, config: video)]
                + (audio.map { [FMP4Track(id: Self.audioTrackID, config: $0)] } ?? [])
            generation += 1
            heldAudio = []
            return .accept(startsLayout: true, replay: [])
        case .audio:
            guard let audio, video == nil else { return .drop }
            let first = firstAudioDTS ?? frame.dts
            firstAudioDTS = first
            guard frame.dts - first >= audioOnlyDecisionDelay else {
                guard heldAudio.count < Self.heldAudioLimit else { return .drop }
                heldAudio.append(frame)
                return .hold
            }
            tracks = [FMP4Track(id: Self.audioTrackID, config: audio)]
            generation += 1
            defer { heldAudio = [] }
            return .accept(startsLayout: true, replay: heldAudio)
        }
    }

    /// `video/mp4; codecs="avc1.64001f,mp4a.40.2"` (or `…,opus`), or `audio/mp4; …` without video.
    var mimeType: String? {
        guard isReady else { return nil }
        let codecs = tracks.map(\.config.codecString)
        return (hasVideo ? "video/mp4" : "audio/mp4") + "; codecs=\"" + codecs.joined(separator: ",") + "\""
    }
}
