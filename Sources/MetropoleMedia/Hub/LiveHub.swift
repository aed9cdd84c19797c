import NIOConcurrencyHelpers
import NIOCore

/// One live stream: takes frames from the publisher, builds each fMP4 fragment once, and shares
/// it with every WebSocket viewer (`subscribe()`) and the LL-HLS segmenter (`playlist`,
/// `resource`).
///
/// `setTrack`, `ingest` and `finish` are called by the ingest, serially, on its event loop.
/// They only append to bounded in-memory queues under short locks and never wait on a viewer:
/// a slow viewer is skipped ahead to the next keyframe, and dropped if it keeps falling behind.
/// When the init segment is built is decided by `StreamLayout` (first video keyframe, or audio
/// only after a second without a video configuration).
public final class LiveHub: Sendable {
    public let name: String
    /// This publication's token in every resource URI its playlist lists, so each broadcast's
    /// resources have URLs of their own and caches may keep them (decision 0051).
    public let broadcast = HLSResourceName.makeBroadcast()
    public let configuration: LiveHubConfiguration
    let state: NIOLockedValueBox<State>

    struct State {
        var layout: StreamLayout
        var writer = FragmentWriter()
        var initSegment: ByteBuffer?
        /// By generation, so HLS clients still reading before a change find theirs.
        var initSegments: [Int: ByteBuffer] = [:]
        var segmenter: LLHLSSegmenter
        /// Fragments since the last video keyframe (audio only: the last second), for new viewers.
        var gop: [Fragment] = []
        var gopBytes = 0
        var subscribers: [Int: Subscriber] = [:]
        var nextSubscriberID = 0
        var isFinished = false
        var meter = StatsMeter()
        var stats = LiveStats()
        var waiters = HLSWaiters()
        var cachedPlaylist: (version: Int, text: String)?
        /// Where stored segments are read back from (set by the first `stored` call).
        var store: (any SegmentStore)?
    }

    /// With audio only, new viewers start from at most this much cached audio.
    static let audioOnlyCache: Int64 = 1000
    /// Older init segments kept for HLS readers across configuration changes.
    static let keptInitSegments = 4

    public init(name: String, configuration: LiveHubConfiguration = .init()) {
        self.name = name
        self.configuration = configuration
        self.state = NIOLockedValueBox(State(
            layout: StreamLayout(audioOnlyDecisionDelay: configuration.audioOnlyDecisionDelay),
            segmenter: LLHLSSegmenter(configuration: configuration.hls)
        ))
    }

    // MARK: - Ingest

    /// Announces or changes a track's decoder configuration. A change to a configuration in
    /// use ends every viewer with `.restart`; the next qualifying frame starts a new init segment.
    public func setTrack(_ config: TrackConfig) {
        let restarted: [Subscriber] = state.withLockedValue { state in
            guard !state.isFinished, state.layout.setTrack(config) else { return [] }
            state.initSegment = nil
            state.gop = []
            state.gopBytes = 0
            defer { state.subscribers = [:] }
            return Array(state.subscribers.values)
        }
        for subscriber in restarted {
            subscriber.terminate(.restart)
        }
    }

    /// Takes one frame from the publisher. Frames for a track without configuration, video
    /// before the first keyframe and frames with negative time are dropped.
    public func ingest(_ frame: MediaFrame) {
        let started = NIODeadline.now()
        var cut: [CutSegment] = []
        let (built, wake): ((Fragment, Int64)?, [CheckedContinuation<Bool, Never>]) = state.withLockedValue { state in
            guard !state.isFinished else { return (nil, []) }
            state.stats.framesReceived += 1
            if state.stats.startedAt == nil { state.stats.startedAt = configuration.wallClock() }
            guard frame.dts >= 0 else {
                state.stats.framesDropped += 1
                return (nil, [])
            }
            switch state.layout.admit(frame) {
            case .drop:
                state.stats.framesDropped += 1
                return (nil, [])
            case .hold:
                return (nil, [])
            case .accept(let startsLayout, let replay):
                let lastCut = state.segmenter.segments.last?.msn
                defer { cut = cutSegments(after: lastCut, state) }
                if startsLayout { startLayout(&state) }
                for held in replay {
                    _ = distribute(held, &state)
                }
                let fragment = distribute(frame, &state)
                let nanoseconds = Int64(clamping: NIODeadline.now().uptimeNanoseconds - started.uptimeNanoseconds)
                state.stats.ingestNanoseconds += nanoseconds
                state.stats.maxIngestNanoseconds = max(state.stats.maxIngestNanoseconds, nanoseconds)
                return (fragment.map { ($0, nanoseconds) }, state.waiters.takeSatisfied(by: state.segmenter))
            }
        }
        for continuation in wake {
            continuation.resume(returning: true)
        }
        if let (fragment, nanoseconds) = built {
            configuration.onFragment?(fragment, nanoseconds)
        }
        hand(cut)
    }

    /// Ends the stream: viewers get what is queued, then `.end`; the playlist gets
    /// `EXT-X-ENDLIST`; waiting HLS requests are answered.
    public func finish() {
        var cut: [CutSegment] = []
        let (subscribers, wake): ([Subscriber], [CheckedContinuation<Bool, Never>]) = state.withLockedValue { state in
            guard !state.isFinished else { return ([], []) }
            state.isFinished = true
            let lastCut = state.segmenter.segments.last?.msn
            state.segmenter.finish()
            cut = cutSegments(after: lastCut, state)
            defer { state.subscribers = [:] }
            return (Array(state.subscribers.values), state.waiters.takeAll())
        }
        for subscriber in subscribers {
            subscriber.terminate(.end)
        }
        for continuation in wake {
            continuation.resume(returning: true)
        }
        hand(cut)
    }

    private func startLayout(_ state: inout State) {
        let initSegment = InitSegment.make(tracks: state.layout.tracks)
        let generation = state.layout.generation
        state.initSegment = initSegment
        state.initSegments[generation] = initSegment
        state.initSegments[generation - Self.keptInitSegments] = nil
        state.segmenter.begin(initGeneration: generation, hasVideo: state.layout.hasVideo)
        state.writer.resetTiming()
        state.gop = []
        state.gopBytes = 0
        for subscriber in state.subscribers.values {
            subscriber.deliverInitSegment(initSegment)
        }
    }

    /// Builds the fragment once and hands the same buffers to the GOP cache, HLS and viewers.
    private func distribute(_ frame: MediaFrame, _ state: inout State) -> Fragment? {
        guard let track = state.layout.tracks.first(where: { $0.kind == frame.kind }) else { return nil }
        let fragment = state.writer.fragment(for: frame, track: track)
        state.stats.fragmentsBuilt += 1
        state.meter.record(frame)
        let hasVideo = state.layout.hasVideo
        let isRandomAccess = hasVideo ? fragment.kind == .video && fragment.isKeyframe : true

        let restartsCache = hasVideo
            ? isRandomAccess
            : state.gop.first.map { fragment.dts - $0.dts >= Self.audioOnlyCache } ?? true
        if restartsCache {
            state.gop.removeAll(keepingCapacity: true)
            state.gopBytes = 0
        }
        // A cache larger than a viewer's queue could never be delivered: new viewers then
        // wait for the next keyframe instead.
        if state.gopBytes + fragment.byteCount <= configuration.subscriberQueueLimit, restartsCache || !state.gop.isEmpty {
            state.gop.append(fragment)
            state.gopBytes += fragment.byteCount
        } else {
            state.gop.removeAll()
            state.gopBytes = 0
        }

        state.segmenter.append(fragment, wallClock: state.stats.startedAt ?? 0)
        let joined = state.segmenter.takeJoinedPart()
        if !joined.isEmpty, !state.gop.isEmpty {
            // The cached GOP now reads from the part's bytes, so the originals can go.
            let bySequence = Dictionary(joined.map { ($0.sequenceNumber, $0) }, uniquingKeysWith: { first, _ in first })
            for index in state.gop.indices {
                if let rebased = bySequence[state.gop[index].sequenceNumber] { state.gop[index] = rebased }
            }
        }

        var dropped: [Int] = []
        for (id, subscriber) in state.subscribers {
            let result = subscriber.enqueue(
                fragment,
                isRandomAccess: isRandomAccess,
                limit: configuration.subscriberQueueLimit,
                overflowLimit: configuration.subscriberOverflowLimit
            )
            if case .dropped = result { dropped.append(id) }
        }
        for id in dropped {
            state.subscribers[id] = nil
        }
        return fragment
    }

    // MARK: - WebSocket viewers

    /// A new viewer: it receives the init segment, the cached GOP (so playback starts at once,
    /// at a keyframe), then live fragments.
    public func subscribe() -> LiveSubscription {
        let subscriber: Subscriber = state.withLockedValue { state in
            let id = state.nextSubscriberID
            state.nextSubscriberID += 1
            let live = !state.isFinished && state.initSegment != nil
            let cached = live ? state.gop : []
            let subscriber = Subscriber(
                id: id,
                initSegment: live ? state.initSegment : nil,
                cachedGOP: cached,
                startsAtRandomAccess: !cached.isEmpty
            )
            if state.isFinished {
                subscriber.terminate(.end)
            } else {
                state.subscribers[id] = subscriber
            }
            return subscriber
        }
        return LiveSubscription(hub: self, subscriber: subscriber)
    }

    func unsubscribe(_ subscriber: Subscriber) {
        state.withLockedValue { state in
            if state.subscribers[subscriber.id] === subscriber {
                state.subscribers[subscriber.id] = nil
            }
        }
        subscriber.close()
    }

    public var subscriberCount: Int {
        state.withLockedValue { $0.subscribers.count }
    }

    // MARK: - Facts for the web layer

    /// The current init segment (`ftyp` + `moov`); `nil` until the first frame qualifies.
    public var initSegment: ByteBuffer? {
        state.withLockedValue { $0.initSegment }
    }

    /// For MSE, e.g. `video/mp4; codecs="avc1.64001f,mp4a.40.2"` or `…,opus"`; `nil` until there is an init
    /// segment.
    public var mimeType: String? {
        state.withLockedValue { $0.layout.mimeType }
    }

    public var isFinished: Bool {
        state.withLockedValue { $0.isFinished }
    }

    public var stats: LiveStats {
        state.withLockedValue { state in
            var stats = state.stats
            if case .avc(let record) = state.layout.video {
                stats.videoCodec = record.codecString
                stats.width = record.sequenceParameterSet?.width
                stats.height = record.sequenceParameterSet?.height
            }
            stats.audioCodec = state.layout.audio?.codecString
            stats.mimeType = state.layout.mimeType
            let rates = state.meter.rates()
            stats.bitrate = rates.bitrate
            stats.frameRate = rates.frameRate
            stats.keyframeInterval = state.meter.keyframeInterval.map { Double($0) / 1000 }
            stats.subscriberCount = state.subscribers.count
            return stats
        }
    }
}
