import Foundation
import MetropoleMedia
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import Testing
@testable import MetropoleWeb

/// The recording's files: names, journal, playlist, the writer's pause and gaps, crash repair.
@Suite struct RecordingFilesTests {
    /// A segment of two parts of `size / 2` bytes each, both `msn`'s byte.
    static func segment(_ msn: Int, generation: Int = 0, duration: Int64 = 2000, discontinuity: Bool = false, size: Int = 1000,
                        stored: @escaping @Sendable (any SegmentStore) -> Void = { _ in }) -> CompletedSegment {
        let part = ByteBuffer(repeating: UInt8(msn % 256), count: size / 2)
        return CompletedSegment(msn: msn, initGeneration: generation, initSegment: ByteBuffer(string: "init-\(generation)"),
                                startDTS: Int64(msn) * duration, duration: duration, programDateTime: 0,
                                isDiscontinuity: discontinuity, parts: [part, part], stored: stored)
    }

    static func folder() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("metropole-rec-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    @Test func fileNamesAreOnlyTheThreeShapes() {
        #expect(RecordingLayout.File("index.m3u8") == .playlist)
        #expect(RecordingLayout.File("init-2.mp4") == .initSegment(2))
        #expect(RecordingLayout.File("17.m4s") == .segment(17))
        for bad in ["../index.m3u8", "..", "init-.mp4", "init-1.mp4/..", "-1.m4s", "1.m4s.tmp", "a.m4s", "segments.log",
                    ".index.m3u8.tmp", "1234567890.m4s", "init-1.MP4", "１.m4s", "%2e%2e.m4s", ""] {
            #expect(RecordingLayout.File(bad) == nil, "\(bad)")
        }
        #expect(RecordingLayout.File.segment(3).contentType == "video/iso.segment")
        #expect(RecordingLayout.File.playlist.contentType == "application/vnd.apple.mpegurl")
    }

    @Test func playlistMapsEachGenerationAndMarksDiscontinuities() {
        let text = VODPlaylist.render([
            RecordedSegment(number: 0, initGeneration: 0, durationMilliseconds: 2000, byteCount: 10, isDiscontinuity: false),
            RecordedSegment(number: 1, initGeneration: 0, durationMilliseconds: 2500, byteCount: 10, isDiscontinuity: false),
            RecordedSegment(number: 2, initGeneration: 1, durationMilliseconds: 1000, byteCount: 10, isDiscontinuity: true),
            RecordedSegment(number: 4, initGeneration: 1, durationMilliseconds: 1000, byteCount: 10, isDiscontinuity: true),
        ])
        #expect(text == """
            #EXTM3U
            #EXT-X-VERSION:7
            #EXT-X-TARGETDURATION:3
            #EXT-X-PLAYLIST-TYPE:VOD
            #EXT-X-MEDIA-SEQUENCE:0
            #EXT-X-INDEPENDENT-SEGMENTS
            #EXT-X-MAP:URI="init-0.mp4"
            #EXTINF:2.000,
            0.m4s
            #EXTINF:2.500,
            1.m4s
            #EXT-X-DISCONTINUITY
            #EXT-X-MAP:URI="init-1.mp4"
            #EXTINF:1.000,
            2.m4s
            #EXT-X-DISCONTINUITY
            #EXTINF:1.000,
            4.m4s
            #EXT-X-ENDLIST

            """)
    }

    @Test func journalStopsAtTheFirstIncompleteLine() {
        let lines = "0 0 2000 10 0\n1 0 2000 12 0\n2 0 20"
        #expect(RecordedSegment.parseJournal(lines).map(\.number) == [0, 1])
        #expect(RecordedSegment.parseJournal("0 0 2000 10 0\nnonsense\n3 0 2000 10 0\n").map(\.number) == [0])
    }

    @Test func recorderWritesSegmentsInOrderAndThePlaylistAtTheEnd() async throws {
        let folder = try Self.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let recorder = StreamRecorder(videoID: UUID(), directory: folder, threadPool: .singleton)
        // act
        for msn in 0..<3 { recorder.accept(Self.segment(msn)) }
        recorder.accept(Self.segment(3, generation: 1, discontinuity: true))
        let summary = await recorder.finish()
        // check
        #expect(summary.segments.map(\.number) == [0, 1, 2, 3])
        #expect(summary.durationMilliseconds == 8000)
        #expect(!summary.hasGaps)
        #expect(summary.byteCount == 4000 + 2 * 6)
        let names = Set(try FileManager.default.contentsOfDirectory(atPath: folder.path))
        #expect(names == ["init-0.mp4", "init-1.mp4", "0.m4s", "1.m4s", "2.m4s", "3.m4s", "segments.log", "index.m3u8"])
        #expect(try Data(contentsOf: folder.appendingPathComponent("2.m4s")) == Data(repeating: 2, count: 1000))
        let playlist = try String(contentsOf: folder.appendingPathComponent("index.m3u8"), encoding: .utf8)
        #expect(playlist.components(separatedBy: "#EXT-X-MAP").count == 3)
        #expect(playlist.contains("#EXT-X-DISCONTINUITY\n#EXT-X-MAP:URI=\"init-1.mp4\""))
        #expect(playlist.hasSuffix("#EXT-X-ENDLIST\n"))
        #expect(recorder.pauseReason == nil)
    }

    @Test func aWrittenSegmentIsReportedStoredAndReadsBackByteForByte() async throws {
        let folder = try Self.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let recorder = StreamRecorder(videoID: UUID(), directory: folder, threadPool: .singleton)
        let reported = NIOLockedValueBox<[Int]>([])
        var segment = Self.segment(5, size: 8)
        segment.parts = [ByteBuffer(bytes: [1, 2, 3]), ByteBuffer(bytes: [4, 5, 6, 7, 8])]
        segment.stored = { store in
            #expect(store as? StreamRecorder === recorder)
            reported.withLockedValue { $0.append(5) }
        }
        // act
        recorder.accept(segment)
        _ = await recorder.finish()
        // check
        #expect(reported.withLockedValue { $0 } == [5])
        #expect(await recorder.read(msn: 5, offset: 0, length: 8) == ByteBuffer(bytes: [1, 2, 3, 4, 5, 6, 7, 8]))
        #expect(await recorder.read(msn: 5, offset: 3, length: 5) == ByteBuffer(bytes: [4, 5, 6, 7, 8]))
        #expect(await recorder.read(msn: 5, offset: 6, length: 5) == nil, "past the end of the file")
        #expect(await recorder.read(msn: 6, offset: 0, length: 1) == nil, "no such segment")
    }

    @Test func aFailedWritePausesAndALaterSegmentResumesAfterAGap() async throws {
        let folder = try Self.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let recorder = StreamRecorder(videoID: UUID(), directory: folder, threadPool: .singleton)
        recorder.accept(Self.segment(0))
        #expect(await eventually { FileManager.default.fileExists(atPath: folder.appendingPathComponent("0.m4s").path) })
        // A folder where segment 1's file must go: its open() fails (EISDIR), as ENOSPC would.
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("1.m4s"), withIntermediateDirectories: false)
        let reported = NIOLockedValueBox<[Int]>([])
        recorder.accept(Self.segment(1) { _ in reported.withLockedValue { $0.append(1) } })
        #expect(await eventually { recorder.pauseReason != nil })
        #expect(recorder.pauseReason?.contains("1.m4s") == true)
        // act: the next segment writes again
        recorder.accept(Self.segment(2) { _ in reported.withLockedValue { $0.append(2) } })
        #expect(await eventually { recorder.pauseReason == nil })
        let summary = await recorder.finish()
        // check
        #expect(reported.withLockedValue { $0 } == [2], "only a written segment may leave the hub's memory")
        #expect(summary.segments.map(\.number) == [0, 2])
        #expect(summary.segments.map(\.isDiscontinuity) == [false, true])
        #expect(summary.hasGaps)
        let playlist = try String(contentsOf: folder.appendingPathComponent("index.m3u8"), encoding: .utf8)
        #expect(playlist.contains("0.m4s\n#EXT-X-DISCONTINUITY\n#EXTINF:2.000,\n2.m4s"))
    }

    @Test func aFullBacklogDropsSegmentsInsteadOfGrowing() async throws {
        let folder = try Self.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        // Room for two queued segments only.
        let recorder = StreamRecorder(videoID: UUID(), directory: folder, threadPool: .singleton, backlogLimit: 2 * 1006)
        for msn in 0..<50 { recorder.accept(Self.segment(msn)) }
        #expect(await eventually(seconds: 20) { recorder.backlogBytes == 0 })
        recorder.accept(Self.segment(50))
        let summary = await recorder.finish()
        #expect(summary.segments.count < 51)
        #expect(summary.segments.count >= 3)
        #expect(summary.hasGaps)
        #expect(summary.segments.last?.number == 50)
        #expect(summary.segments.last?.isDiscontinuity == true)
    }

    @Test func rebuildKeepsWhatWasWholeWhenTheProcessDied() throws {
        // setup: what a kill -9 leaves: segments 0 and 1 whole, 2 cut short, the journal's last line half written
        let folder = try Self.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        try Data("init".utf8).write(to: folder.appendingPathComponent("init-0.mp4"))
        for msn in 0..<3 { try Data(repeating: 1, count: msn == 2 ? 500 : 1000).write(to: folder.appendingPathComponent("\(msn).m4s")) }
        try "0 0 2000 1000 0\n1 0 2000 1000 0\n2 0 2000 1000 0\n3 0 20".write(to: folder.appendingPathComponent("segments.log"), atomically: true, encoding: .utf8)
        // act
        let summary = try Recordings.rebuild(folder)
        // check
        #expect(summary.segments.map(\.number) == [0, 1])
        #expect(summary.byteCount == 2004)
        #expect(!summary.hasGaps)
        let playlist = try String(contentsOf: folder.appendingPathComponent("index.m3u8"), encoding: .utf8)
        #expect(playlist.hasSuffix("1.m4s\n#EXT-X-ENDLIST\n"))
        #expect(!playlist.contains("2.m4s"))
    }

    @Test func retentionRemovesTheOldestFirst() {
        let now = Date(timeIntervalSince1970: 1_000_000)
        let (a, b, c) = (UUID(), UUID(), UUID())
        let videos = [(id: c, startedAt: now.addingTimeInterval(-100), bytes: Int64(300)),
                      (id: a, startedAt: now.addingTimeInterval(-3 * 86_400), bytes: Int64(100)),
                      (id: b, startedAt: now.addingTimeInterval(-86_400 / 2), bytes: Int64(200))]
        #expect(RecordingRetention(maximumAge: 86_400).expired(videos, now: now) == [a])
        #expect(RecordingRetention(maximumBytes: 450).expired(videos, now: now) == [a, b])
        #expect(RecordingRetention(maximumBytes: 600).expired(videos, now: now) == [])
        #expect(RecordingRetention(maximumAge: 86_400, maximumBytes: 300).expired(videos, now: now) == [a, b])
        #expect(RecordingRetention(maximumBytes: 250).expired(videos, now: now) == [a, b, c])
        #expect(RecordingRetention().expired(videos, now: now) == [])
    }

    @Test func retentionSettingsAreValidatedWithTheRest() throws {
        let base = ["METROPOLE_DATA_DIR": FileManager.default.temporaryDirectory.appendingPathComponent("metropole-cfg").path]
        var configuration = try AppConfiguration.load(from: base.merging(["METROPOLE_VOD_MAX_GB": "0.5", "METROPOLE_VOD_RETENTION_DAYS": "7"]) { $1 })
        #expect(configuration.recordingRetention == RecordingRetention(maximumAge: 7 * 86_400, maximumBytes: 500_000_000))
        configuration = try AppConfiguration.load(from: base.merging(["METROPOLE_VOD_MAX_GB": "0"]) { $1 })
        #expect(!configuration.recordingRetention.isActive)
        for (name, bad) in [("METROPOLE_VOD_MAX_GB", "lots"), ("METROPOLE_VOD_RETENTION_DAYS", "-1"), ("METROPOLE_VOD_MAX_GB", "nan")] {
            #expect(throws: AppConfiguration.Error.self) { try AppConfiguration.load(from: base.merging([name: bad]) { $1 }) }
            do { _ = try AppConfiguration.load(from: base.merging([name: bad]) { $1 }) } catch { #expect(error.variable == name) }
        }
    }
}

/// Polls until `condition` holds, for at most `seconds` (a loaded machine runs the thread pool late).
func eventually(seconds: Double = 10, _ condition: () -> Bool) async -> Bool {
    for _ in 0..<Int(seconds * 100) {
        if condition() { return true }
        try? await Task.sleep(for: .milliseconds(10))
    }
    return condition()
}
