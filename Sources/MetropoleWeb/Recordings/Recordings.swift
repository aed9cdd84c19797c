import Fluent
import Foundation
import MetropoleMedia
import NIOConcurrencyHelpers
import NIOPosix
import Vapor

/// Every broadcast on our own ingest becomes a video unless its creator turned recording off.
///
/// Ingest asks `segmentSink(streamID:)` for each new hub's `onSegment`: a `SegmentRoute` that
/// drops everything until `LiveDirectory` reports the hub live (`start`), reads the stream's
/// `record` setting, and attaches a `StreamRecorder`. The hub's end (`stop`) finishes the files
/// and completes the video; a crash is repaired at the next start (`recover`, decision 0041).
final class Recordings: Sendable {
    let dataDirectory: URL
    let retention: RecordingRetention
    private let threadPool: NIOThreadPool
    private let database: @Sendable () -> any Database
    private let logger: Logger
    private let state = NIOLockedValueBox(State())

    private struct State {
        /// The newest hub of each stream that is not live yet, by stream id.
        var pending: [String: SegmentRoute] = [:]
        var active: [ObjectIdentifier: Active] = [:]
    }

    private struct Active {
        var streamID: UUID
        var recorder: StreamRecorder
    }

    /// Where one hub's segments go: nowhere until the stream is live and records.
    final class SegmentRoute: Sendable {
        let recorder = NIOLockedValueBox<StreamRecorder?>(nil)

        func deliver(_ segment: CompletedSegment) {
            recorder.withLockedValue { $0 }?.accept(segment)
        }
    }

    init(dataDirectory: URL, retention: RecordingRetention, threadPool: NIOThreadPool,
         database: @escaping @Sendable () -> any Database, logger: Logger) {
        self.dataDirectory = dataDirectory
        self.retention = retention
        self.threadPool = threadPool
        self.database = database
        self.logger = logger
    }

    func directory(of videoID: UUID) -> URL {
        RecordingLayout.directory(of: videoID, in: dataDirectory)
    }

    // MARK: - Ingest

    /// The `onSegment` of a new hub for this stream (called by ingest on its event loop).
    func segmentSink(streamID: String) -> @Sendable (CompletedSegment) -> Void {
        let route = SegmentRoute()
        state.withLockedValue { $0.pending[streamID] = route }
        return { segment in route.deliver(segment) }
    }

    /// The hub is live: a video row and folder when the stream records, else nothing.
    /// Ingest makes a stream's hub before it reports it live, so the pending route is this hub's.
    /// (Only two publishers of one key within the same few milliseconds could cross them; the
    /// cost would be a recording that ends early, never a wrong owner: both hubs are this stream's.)
    func start(streamID: UUID, hub: LiveHub, stream: Stream, startedAt: Date) async {
        guard let route = state.withLockedValue({ $0.pending.removeValue(forKey: streamID.uuidString) }) else { return }
        guard stream.record else { return }
        do {
            let video = Video(streamID: streamID, userID: stream.$user.id, title: stream.title, startedAt: startedAt)
            try await video.create(on: database())
            let id = try video.requireID()
            let folder = directory(of: id)
            try await threadPool.runIfActive { try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true) }
            let recorder = StreamRecorder(videoID: id, directory: folder, threadPool: threadPool)
            state.withLockedValue { $0.active[ObjectIdentifier(hub)] = Active(streamID: streamID, recorder: recorder) }
            route.recorder.withLockedValue { $0 = recorder }
            logger.info("recording", metadata: ["video": "\(id)", "channel": "\(stream.$user.value?.username ?? "?")"])
        } catch {
            logger.report(error: error)
        }
    }

    /// The hub ended (its last segment is already queued): playlist written, video completed.
    func stop(hub: LiveHub) async {
        guard let active = state.withLockedValue({ $0.active.removeValue(forKey: ObjectIdentifier(hub)) }) else { return }
        let summary = await active.recorder.finish()
        await complete(videoID: active.recorder.videoID, with: summary)
        await enforceRetention()
    }

    /// Why this stream's recording is paused (the dashboard says so), or `nil`.
    func pauseReason(streamID: UUID) -> String? {
        state.withLockedValue { state in state.active.values.first { $0.streamID == streamID }?.recorder.pauseReason }
    }

    func isRecording(streamID: UUID) -> Bool {
        state.withLockedValue { state in state.active.values.contains { $0.streamID == streamID } }
    }

    // MARK: - Completion and recovery

    /// Marks the video complete with what was written; a recording without a segment goes.
    private func complete(videoID: UUID, with summary: StreamRecorder.Summary) async {
        do {
            guard let video = try await Video.find(videoID, on: database()) else { return }
            guard !summary.segments.isEmpty else {
                try await delete(video)
                return
            }
            video.durationMilliseconds = summary.durationMilliseconds
            video.byteCount = summary.byteCount
            video.hasGaps = summary.hasGaps
            video.status = .complete
            try await video.save(on: database())
            logger.info("recording complete", metadata: ["video": "\(videoID)", "seconds": "\(summary.durationMilliseconds / 1000)",
                                                        "bytes": "\(summary.byteCount)"])
        } catch {
            logger.report(error: error)
        }
    }

    /// After a crash: every video still marked recording is finished from its journal, up to
    /// the last segment whose file is whole; folders without a video are removed.
    func recover() async throws {
        let interrupted = try await Video.query(on: database()).filter(\.$statusName == Video.Status.recording.rawValue).all()
        for video in interrupted {
            let folder = directory(of: try video.requireID())
            let summary = try await threadPool.runIfActive { try Self.rebuild(folder) }
            await complete(videoID: try video.requireID(), with: summary)
        }
        let known = Set(try await Video.query(on: database()).all(\.$id).map { $0.uuidString.lowercased() })
        let root = RecordingLayout.root(in: dataDirectory)
        try await threadPool.runIfActive {
            for name in (try? FileManager.default.contentsOfDirectory(atPath: root.path)) ?? [] where UUID(uuidString: name) != nil && !known.contains(name) {
                try? FileManager.default.removeItem(at: root.appendingPathComponent(name))
            }
        }
        if !interrupted.isEmpty { logger.notice("recovered \(interrupted.count) interrupted recording(s)") }
    }

    /// Reads the journal, keeps the segments whose files are whole, writes the playlist.
    static func rebuild(_ folder: URL) throws -> StreamRecorder.Summary {
        let journal = (try? String(contentsOf: folder.appendingPathComponent(RecordingLayout.journal), encoding: .utf8)) ?? ""
        var kept: [RecordedSegment] = []
        var byteCount: Int64 = 0
        var generations: Set<Int> = []
        for segment in RecordedSegment.parseJournal(journal) {
            guard RecordingFiles.fileSize(folder.appendingPathComponent(RecordingLayout.segment(segment.number))) == segment.byteCount,
                  let initSize = RecordingFiles.fileSize(folder.appendingPathComponent(RecordingLayout.initSegment(generation: segment.initGeneration)))
            else { break }
            if generations.insert(segment.initGeneration).inserted { byteCount += Int64(initSize) }
            kept.append(segment)
            byteCount += Int64(segment.byteCount)
        }
        if !kept.isEmpty {
            try RecordingFiles.replace(VODPlaylist.render(kept), at: folder.appendingPathComponent(RecordingLayout.playlist))
        }
        // A discontinuity within one generation is a gap; one at a new generation is not.
        let hasGaps = zip(kept, kept.dropFirst()).contains { $1.isDiscontinuity && $1.initGeneration == $0.initGeneration }
        return StreamRecorder.Summary(segments: kept, byteCount: byteCount, hasGaps: hasGaps)
    }

    // MARK: - Removal

    /// Deletes what the retention settings no longer keep, oldest first.
    func enforceRetention(now: Date = Date()) async {
        guard retention.isActive else { return }
        do {
            let videos = try await Video.query(on: database()).filter(\.$statusName == Video.Status.complete.rawValue)
                .sort(\.$startedAt, .ascending).all()
            let doomed = Set(retention.expired(try videos.map { (try $0.requireID(), $0.startedAt, $0.byteCount) }, now: now))
            for video in videos where doomed.contains(try video.requireID()) {
                try await delete(video)
                logger.info("recording removed by retention", metadata: ["video": "\(video.id?.uuidString ?? "?")"])
            }
        } catch {
            logger.report(error: error)
        }
    }

    /// The video and its files.
    func delete(_ video: Video) async throws {
        let folder = directory(of: try video.requireID())
        try await video.delete(on: database())
        try await threadPool.runIfActive {
            if FileManager.default.fileExists(atPath: folder.path) { try FileManager.default.removeItem(at: folder) }
        }
    }
}

extension Application {
    private struct RecordingsKey: StorageKey { typealias Value = Recordings }

    var recordings: Recordings {
        get { storage[RecordingsKey.self]! }
        set { storage[RecordingsKey.self] = newValue }
    }
}
