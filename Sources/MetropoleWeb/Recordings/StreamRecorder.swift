import Foundation
import MetropoleMedia
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// Writes one publication's segments into its video's folder, in order, off the ingest loop.
///
/// `accept` runs on the ingest event loop and only queues: the files are written by one drain
/// task at a time on the thread pool. The queue is bounded in bytes; a segment that does not
/// fit is dropped and the next one written starts with a discontinuity, so a slow or full disk
/// costs the recording a gap and never the live stream memory or time. A failed write (ENOSPC
/// or any other) pauses the recording until a later segment writes again.
///
/// The files hold each segment exactly as the hub cut it, so the hub, told a segment is
/// written, drops it from memory and reads its live requests back from here (decision 0050).
final class StreamRecorder: SegmentStore {
    /// Bytes waiting to be written: about a minute of a 4 Mbps stream.
    static let backlogLimit = 32 << 20

    let videoID: UUID
    let directory: URL
    private let threadPool: NIOThreadPool
    private let backlogLimit: Int
    private let state = NIOLockedValueBox(State())
    /// Touched only by the drain task, one job at a time.
    private let written = NIOLockedValueBox(Written())

    private enum Job {
        case segment(CompletedSegment, gapBefore: Bool)
        case finish(CheckedContinuation<Summary, Never>)
    }

    private struct State {
        var queue: [Job] = []
        var queuedBytes = 0
        var isDraining = false
        var droppedSinceLast = false
        var isFinishing = false
        var pauseReason: String?
    }

    private struct Written {
        var segments: [RecordedSegment] = []
        var initGenerations: Set<Int> = []
        var byteCount: Int64 = 0
        var gapPending = false
        var hasGaps = false
    }

    /// What the recording holds once finished.
    struct Summary: Sendable, Equatable {
        var segments: [RecordedSegment]
        var byteCount: Int64
        var hasGaps: Bool
        var durationMilliseconds: Int64 { segments.reduce(0) { $0 + $1.durationMilliseconds } }
    }

    init(videoID: UUID, directory: URL, threadPool: NIOThreadPool, backlogLimit: Int = StreamRecorder.backlogLimit) {
        self.videoID = videoID
        self.directory = directory
        self.threadPool = threadPool
        self.backlogLimit = backlogLimit
    }

    /// Why the recording is paused (the last write failed), or `nil` while it records.
    var pauseReason: String? { state.withLockedValue { $0.pauseReason } }

    /// Bytes queued and not yet written.
    var backlogBytes: Int { state.withLockedValue { $0.queuedBytes } }

    /// Queues a segment; never waits.
    func accept(_ segment: CompletedSegment) {
        let startsDrain: Bool = state.withLockedValue { state in
            guard !state.isFinishing else { return false }
            let size = segment.byteCount + segment.initSegment.readableBytes
            guard state.queuedBytes + size <= backlogLimit else {
                state.droppedSinceLast = true
                return false
            }
            state.queue.append(.segment(segment, gapBefore: state.droppedSinceLast))
            state.droppedSinceLast = false
            state.queuedBytes += size
            defer { state.isDraining = true }
            return !state.isDraining
        }
        if startsDrain { Task { await drain() } }
    }

    /// Waits for what is queued, writes the playlist and says what was recorded.
    func finish() async -> Summary {
        await withCheckedContinuation { continuation in
            let startsDrain: Bool = state.withLockedValue { state in
                state.isFinishing = true
                state.queue.append(.finish(continuation))
                defer { state.isDraining = true }
                return !state.isDraining
            }
            if startsDrain { Task { await drain() } }
        }
    }

    private func drain() async {
        while let job = nextJob() {
            switch job {
            case .segment(let segment, let gapBefore):
                await write(segment, gapBefore: gapBefore)
                state.withLockedValue { $0.queuedBytes -= segment.byteCount + segment.initSegment.readableBytes }
            case .finish(let continuation):
                // Segments dropped at the very end are a gap too.
                if state.withLockedValue({ $0.droppedSinceLast }) { written.withLockedValue { $0.hasGaps = true } }
                continuation.resume(returning: await writePlaylist())
            }
        }
    }

    private func nextJob() -> Job? {
        state.withLockedValue { state in
            guard !state.queue.isEmpty else {
                state.isDraining = false
                return nil
            }
            return state.queue.removeFirst()
        }
    }

    private func write(_ segment: CompletedSegment, gapBefore: Bool) async {
        let (needsInit, gapPending) = written.withLockedValue { (!$0.initGenerations.contains(segment.initGeneration), $0.gapPending) }
        let directory = self.directory
        let entry = RecordedSegment(
            number: segment.msn, initGeneration: segment.initGeneration, durationMilliseconds: max(segment.duration, 1),
            byteCount: segment.byteCount, isDiscontinuity: segment.isDiscontinuity || gapBefore || gapPending
        )
        do {
            try await threadPool.runIfActive {
                if needsInit {
                    try RecordingFiles.write(segment.initSegment, to: directory.appendingPathComponent(RecordingLayout.initSegment(generation: segment.initGeneration)))
                }
                let file = directory.appendingPathComponent(RecordingLayout.segment(segment.msn))
                do {
                    try RecordingFiles.write(segment.parts, to: file)
                    try RecordingFiles.append(entry.journalLine, to: directory.appendingPathComponent(RecordingLayout.journal))
                } catch {
                    try? FileManager.default.removeItem(at: file)
                    throw error
                }
            }
            written.withLockedValue { written in
                if needsInit {
                    written.initGenerations.insert(segment.initGeneration)
                    written.byteCount += Int64(segment.initSegment.readableBytes)
                }
                written.segments.append(entry)
                written.byteCount += Int64(entry.byteCount)
                written.gapPending = false
            }
            state.withLockedValue { $0.pauseReason = nil }
            segment.stored(self)
        } catch {
            written.withLockedValue { $0.gapPending = true; $0.hasGaps = true }
            state.withLockedValue { $0.pauseReason = RecordingFiles.describe(error) }
        }
        if gapBefore { written.withLockedValue { $0.hasGaps = true } }
    }

    /// Part of a written segment, for the live window's late requests.
    func read(msn: Int, offset: Int, length: Int) async -> ByteBuffer? {
        let file = directory.appendingPathComponent(RecordingLayout.segment(msn))
        return try? await threadPool.runIfActive { try RecordingFiles.read(file, offset: offset, length: length) }
    }

    private func writePlaylist() async -> Summary {
        let summary = written.withLockedValue { Summary(segments: $0.segments, byteCount: $0.byteCount, hasGaps: $0.hasGaps) }
        guard !summary.segments.isEmpty else { return summary }
        let (directory, text) = (self.directory, VODPlaylist.render(summary.segments))
        do {
            try await threadPool.runIfActive {
                try RecordingFiles.replace(text, at: directory.appendingPathComponent(RecordingLayout.playlist))
            }
        } catch {
            state.withLockedValue { $0.pauseReason = RecordingFiles.describe(error) }
        }
        return summary
    }
}
