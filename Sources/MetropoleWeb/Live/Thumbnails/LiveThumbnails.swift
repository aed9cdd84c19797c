import Foundation
import MetropoleMedia
import NIOConcurrencyHelpers
import NIOCore
import Vapor

/// Card pictures taken from live streams: about every `interval`, each stream on our own
/// ingest has its newest keyframe decoded to a small JPEG, kept in memory until the stream
/// ends (one picture per stream, tens of KiB). Cards and the API show it while the channel is
/// live, unless the creator keeps their uploaded thumbnail (`Stream.keepUploadedThumbnail`).
final class LiveThumbnails: Sendable {
    struct Picture: Sendable {
        var jpeg: ByteBuffer
        var takenAt: Date
        /// The broadcast it shows: a new hub (the next broadcast) does not show the old picture.
        var hub: ObjectIdentifier
    }

    private struct State {
        var pictures: [UUID: Picture] = [:]
        /// When each live stream was last sent to the decoder (success or not).
        var attempts: [UUID: Date] = [:]
        var failuresLogged: Set<UUID> = []
    }

    let interval: TimeInterval
    /// nil: live thumbnails are off (turned off, or no ffmpeg), and cards keep their pictures.
    let decoder: ThumbnailDecoder?
    private let state = NIOLockedValueBox(State())
    private let logger: Logger

    init(interval: TimeInterval, decoder: ThumbnailDecoder?, logger: Logger) {
        self.interval = interval
        self.decoder = decoder
        self.logger = logger
    }

    /// From the configuration and `PATH`; says once, at start, why thumbnails are off.
    static func make(configuration: AppConfiguration, path: String?, logger: Logger) -> LiveThumbnails {
        let seconds = configuration.liveThumbnailSeconds
        guard seconds > 0 else {
            logger.info("Live thumbnails are off (METROPOLE_LIVE_THUMBNAIL_SECONDS=0).")
            return LiveThumbnails(interval: 0, decoder: nil, logger: logger)
        }
        guard let ffmpeg = ThumbnailDecoder.locateFFmpeg(path: path) else {
            logger.warning("Live thumbnails are off: ffmpeg was not found on PATH. Install Debian's ffmpeg package to show live frames on cards; until then cards show uploaded thumbnails or placeholders.")
            return LiveThumbnails(interval: TimeInterval(seconds), decoder: nil, logger: logger)
        }
        let scratch = configuration.dataDirectory.appendingPathComponent("tmp").appendingPathComponent("thumbnails")
        return LiveThumbnails(interval: TimeInterval(seconds), decoder: ThumbnailDecoder(ffmpeg: ffmpeg, scratchDirectory: scratch),
                              logger: logger)
    }

    /// How often `refresh` looks for streams that are due: often, so a new broadcast gets its
    /// first picture within a second or two, while each stream is decoded once per `interval`.
    var tick: Duration { .milliseconds(Int64(min(max(interval / 2, 0.5), 1) * 1000)) }

    /// The picture of a live stream, if one was taken during this broadcast.
    func picture(of entry: LiveDirectory.Entry) -> Picture? {
        state.withLockedValue { state in
            state.pictures[entry.streamID].flatMap { $0.hub == ObjectIdentifier(entry.hub) ? $0 : nil }
        }
    }

    /// One round: forgets ended broadcasts; then, if a stream is due (no picture attempted yet,
    /// or its last attempt is `interval` old), decodes it in one run together with every stream
    /// at least three quarters due, oldest first: the streams of a site fall into step and
    /// share ffmpeg starts. The next round starts only when this one is done.
    func refresh(_ entries: [LiveDirectory.Entry]) async {
        guard let decoder else { return }
        let now = Date()
        let candidates: [(entry: LiveDirectory.Entry, age: TimeInterval)] = state.withLockedValue { state in
            let live = Dictionary(entries.map { ($0.streamID, ObjectIdentifier($0.hub)) }, uniquingKeysWith: { first, _ in first })
            state.pictures = state.pictures.filter { live[$0.key] == $0.value.hub }
            state.attempts = state.attempts.filter { live[$0.key] != nil }
            state.failuresLogged.formIntersection(live.keys)
            return entries.map { entry in (entry, state.attempts[entry.streamID].map { now.timeIntervalSince($0) } ?? .infinity) }
                .filter { $0.age >= interval * 0.75 }
                .sorted { $0.age > $1.age }
        }
        // Streams without a keyframe (just started, audio only) neither join nor start a run.
        var ready: [(LiveDirectory.Entry, Keyframe)] = []
        var isDue = false
        for (entry, age) in candidates where ready.count < ThumbnailDecoder.batchLimit {
            guard let keyframe = entry.hub.newestKeyframe else { continue }
            ready.append((entry, keyframe))
            isDue = isDue || age >= interval
        }
        guard isDue else { return }
        state.withLockedValue { state in
            for (entry, _) in ready { state.attempts[entry.streamID] = now }
        }
        let shared = await decoder.decode(ready.map(\.1))
        var results = Array(zip(ready.map(\.0), shared))
        if shared.contains(.failure(.misaligned)) {
            // The run's timing is not to be trusted: each alone, where nothing can be misplaced.
            results = []
            for (entry, keyframe) in ready {
                results.append((entry, await decoder.decode([keyframe]).first ?? .failure(.noPicture)))
            }
        }
        for (entry, result) in results {
            record(result, for: entry)
        }
    }

    private func record(_ result: Result<ByteBuffer, ThumbnailDecoder.Failure>, for entry: LiveDirectory.Entry) {
        switch result {
        case .success(let jpeg):
            state.withLockedValue { state in
                state.pictures[entry.streamID] = Picture(jpeg: jpeg, takenAt: Date(), hub: ObjectIdentifier(entry.hub))
                state.failuresLogged.remove(entry.streamID)
            }
        case .failure(let failure):
            let first = state.withLockedValue { $0.failuresLogged.insert(entry.streamID).inserted }
            logger.log(level: first ? .warning : .debug, "Live thumbnail of \(entry.username) failed: \(failure)")
        }
    }

    /// The picture a channel's card shows: the live frame while live (unless the creator keeps
    /// their upload), else the uploaded thumbnail, else nil (the placeholder). The live URL
    /// changes with every new picture, so browsers and the guest page cache pick it up.
    func cardURL(username: String, uploaded: String?, isLive: Bool, keepUploaded: Bool, directory: LiveDirectory) -> String? {
        if isLive, !(keepUploaded && uploaded != nil), let entry = directory.entry(username: username),
           let picture = picture(of: entry) {
            return SiteURL.liveThumbnail(entry.username).path + "?t=\(Int(picture.takenAt.timeIntervalSince1970))"
        }
        return uploaded.map { SiteURL.thumbnail($0).path }
    }
}

extension Application {
    private struct LiveThumbnailsKey: StorageKey { typealias Value = LiveThumbnails }

    var liveThumbnails: LiveThumbnails {
        get { storage[LiveThumbnailsKey.self]! }
        set { storage[LiveThumbnailsKey.self] = newValue }
    }

    /// `LiveThumbnails.cardURL` with this application's directory.
    func cardThumbnailURL(username: String, uploaded: String?, isLive: Bool, keepUploaded: Bool) -> String? {
        liveThumbnails.cardURL(username: username, uploaded: uploaded, isLive: isLive, keepUploaded: keepUploaded,
                               directory: live.directory)
    }
}
