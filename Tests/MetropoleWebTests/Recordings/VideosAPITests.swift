import Fluent
import Foundation
import Testing
import Vapor
import VaporTesting
@testable import MetropoleWeb

private struct VideoJSON: Decodable {
    var id: UUID
    var title: String
    var startedAt: Date
    var durationSeconds: Double
    var hasGaps: Bool
    var thumbnailUrl: String?
    var playlistUrl: String
}

/// A finished recording of `username`'s stream, written by the real recorder.
@discardableResult
private func recordVideo(_ app: Application, of username: String, title: String = "Tuesday", startedAt: Date = Date(),
                         segments: Int = 3, hasGaps: Bool = false) async throws -> UUID {
    let user = try #require(try await User.query(on: app.db).filter(\.$usernameKey == username).first())
    let stream = try await Channels.ownStream(of: user, on: app.db)
    let video = Video(streamID: try stream.requireID(), userID: try user.requireID(), title: title, startedAt: startedAt)
    try await video.create(on: app.db)
    let id = try video.requireID()
    let folder = app.recordings.directory(of: id)
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    let recorder = StreamRecorder(videoID: id, directory: folder, threadPool: app.threadPool)
    for msn in 0..<segments { recorder.accept(RecordingFilesTests.segment(msn)) }
    let summary = await recorder.finish()
    video.durationMilliseconds = summary.durationMilliseconds
    video.byteCount = summary.byteCount
    video.hasGaps = hasGaps
    video.status = .complete
    try await video.save(on: app.db)
    return id
}

private func decodeVideos(_ response: TestingHTTPResponse) throws -> [VideoJSON] {
    let decoder = JSONDecoder()
    decoder.dateDecodingStrategy = .iso8601
    return try decoder.decode([VideoJSON].self, from: Data(buffer: response.body))
}

private func decodeVideo(_ response: TestingHTTPResponse) -> VideoJSON? {
    try? JSONDecoder.metropole.decode(VideoJSON.self, from: Data(buffer: response.body))
}

@Suite(.serialized) struct VideosAPITests {
    @Test func listsCompleteVideosNewestFirstWithPlaylistURLs() async throws {
        try await withTestApp { app in
            // setup
            try await app.signUp("maker")
            let older = try await recordVideo(app, of: "maker", title: "Monday", startedAt: Date().addingTimeInterval(-86_400), hasGaps: true)
            let newer = try await recordVideo(app, of: "maker", title: "Tuesday")
            let user = try #require(try await User.query(on: app.db).filter(\.$usernameKey == "maker").first())
            let stream = try await Channels.ownStream(of: user, on: app.db)
            try await Video(streamID: try stream.requireID(), userID: try user.requireID(), title: "still recording", startedAt: Date()).create(on: app.db)
            // act, check
            try await app.testing().test(.GET, "api/v1/streams/maker/videos") { response in
                #expect(response.status == .ok)
                let videos = (try? decodeVideos(response)) ?? []
                #expect(videos.map(\.id) == [newer, older])
                #expect(videos.first?.durationSeconds == 6)
                #expect(videos.map(\.hasGaps) == [false, true])
                #expect(videos.first?.playlistUrl == app.metropole.publicURL.absoluteString + "/vod/\(newer.uuidString.lowercased())/index.m3u8")
            }
            try await app.testing().test(.GET, "api/v1/videos/\(older.uuidString)") { response in
                #expect(response.status == .ok)
                #expect(decodeVideo(response)?.title == "Monday")
            }
            try await app.testing().test(.GET, "api/v1/streams/nobody/videos") { #expect($0.status == .notFound) }
            try await app.testing().test(.GET, "api/v1/videos/not-a-uuid") { #expect($0.status == .notFound) }
        }
    }

    @Test func servesTheFilesWithTheirTypesAndNothingElse() async throws {
        try await withTestApp { app in
            try await app.signUp("maker")
            let id = try await recordVideo(app, of: "maker").uuidString.lowercased()
            try await app.testing().test(.GET, "vod/\(id)/index.m3u8") { response in
                #expect(response.status == .ok)
                #expect(response.headers.first(name: .contentType) == "application/vnd.apple.mpegurl")
                #expect(response.body.string.contains("#EXT-X-PLAYLIST-TYPE:VOD"))
            }
            try await app.testing().test(.GET, "vod/\(id)/init-0.mp4") { response in
                #expect(response.headers.first(name: .contentType) == "video/mp4")
                #expect(response.body.string == "init-0")
            }
            try await app.testing().test(.GET, "vod/\(id)/1.m4s", headers: ["Range": "bytes=0-9"]) { response in
                #expect(response.status == .partialContent)
                #expect(response.headers.first(name: .contentType) == "video/iso.segment")
                #expect(response.body.readableBytes == 10)
            }
            for bad in ["segments.log", "..%2F..%2Fmetropole.sqlite", "9.m4s", "init-7.mp4", ".index.m3u8.tmp"] {
                try await app.testing().test(.GET, "vod/\(id)/\(bad)") { #expect($0.status == .notFound, "\(bad)") }
            }
            try await app.testing().test(.GET, "vod/\(UUID().uuidString)/index.m3u8") { #expect($0.status == .notFound) }
        }
    }

    @Test func blockedViewersAndSuspendedCreatorsSeeNoneOfIt() async throws {
        try await withTestApp { app in
            let maker = try await app.signUp("maker")
            let viewer = try await app.signUp("viewer")
            let id = try await recordVideo(app, of: "maker").uuidString.lowercased()
            try await app.testing().test(.GET, "vod/\(id)/index.m3u8", headers: bearer(viewer)) { #expect($0.status == .ok) }
            // act
            try await app.testing().test(.PUT, "api/v1/me/blocked/viewer", headers: bearer(maker)) { #expect($0.status == .noContent) }
            // check
            try await app.testing().test(.GET, "api/v1/streams/maker/videos", headers: bearer(viewer)) { #expect($0.status == .notFound) }
            try await app.testing().test(.GET, "api/v1/videos/\(id)", headers: bearer(viewer)) { #expect($0.status == .notFound) }
            try await app.testing().test(.GET, "vod/\(id)/index.m3u8", headers: bearer(viewer)) { #expect($0.status == .forbidden) }
            try await app.testing().test(.GET, "vod/\(id)/0.m4s", headers: bearer(viewer)) { #expect($0.status == .forbidden) }
            try await app.testing().test(.GET, "maker/videos", headers: bearer(viewer)) { #expect($0.status == .notFound) }
            try await app.testing().test(.GET, "maker/videos/\(id)", headers: bearer(viewer)) { #expect($0.status == .notFound) }
            // Guests still see it; then the creator is suspended and nobody does.
            try await app.testing().test(.GET, "api/v1/streams/maker/videos") { #expect((try? decodeVideos($0))?.count == 1) }
            let user = try #require(try await User.query(on: app.db).filter(\.$usernameKey == "maker").first())
            user.suspendedAt = Date()
            try await user.save(on: app.db)
            try await app.testing().test(.GET, "api/v1/videos/\(id)") { #expect($0.status == .notFound) }
            try await app.testing().test(.GET, "vod/\(id)/index.m3u8") { #expect($0.status == .notFound) }
        }
    }

    @Test func onlyTheOwnerRenamesAndDeletes() async throws {
        try await withTestApp { app in
            let maker = try await app.signUp("maker")
            let other = try await app.signUp("other")
            let id = try await recordVideo(app, of: "maker")
            let path = "api/v1/me/videos/\(id.uuidString)"
            try await app.testing().test(.PATCH, path, headers: bearer(other), body: json(["title": "mine now"])) { #expect($0.status == .notFound) }
            try await app.testing().test(.DELETE, path, headers: bearer(other)) { #expect($0.status == .notFound) }
            try await app.testing().test(.PATCH, path, body: json(["title": "x"])) { #expect($0.status == .unauthorized) }
            try await app.testing().test(.PATCH, path, headers: bearer(maker), body: json(["title": "   "])) { #expect($0.status == .unprocessableEntity) }
            // act: a title with markup
            try await app.testing().test(.PATCH, path, headers: bearer(maker), body: json(["title": "<script>alert(1)</script> & co"])) { response in
                #expect(response.status == .ok)
                #expect(decodeVideo(response)?.title == "<script>alert(1)</script> & co")
            }
            // check: escaped on every page that shows it
            for page in ["maker/videos", "maker/videos/\(id.uuidString.lowercased())"] {
                try await app.testing().test(.GET, page) { response in
                    #expect(response.status == .ok)
                    #expect(!response.body.string.contains("<script>alert(1)"))
                    #expect(response.body.string.contains("&lt;script&gt;alert(1)&lt;/script&gt; &amp; co"))
                }
            }
            let folder = app.recordings.directory(of: id)
            #expect(FileManager.default.fileExists(atPath: folder.path))
            try await app.testing().test(.DELETE, path, headers: bearer(maker)) { #expect($0.status == .noContent) }
            #expect(!FileManager.default.fileExists(atPath: folder.path))
            try await app.testing().test(.GET, "api/v1/videos/\(id.uuidString)") { #expect($0.status == .notFound) }
        }
    }

    @Test func theRecordSwitchIsOnByDefaultAndTheAPITurnsItOff() async throws {
        try await withTestApp { app in
            let maker = try await app.signUp("maker")
            let user = try #require(try await User.query(on: app.db).filter(\.$usernameKey == "maker").first())
            #expect(try await Channels.ownStream(of: user, on: app.db).record)
            try await app.testing().test(.PATCH, "api/v1/me/stream", headers: bearer(maker), body: json(["record": false])) {
                #expect($0.status == .ok)
            }
            #expect(try await !Channels.ownStream(of: user, on: app.db).record)
            try await app.testing().test(.GET, "u/maker/videos", headers: bearer(maker)) { response in
                #expect(response.status == .ok)
                #expect(response.body.string.contains("data-recording-state=\"off\""))
                #expect(response.body.string.contains("Turn recording on"))
            }
            try await app.testing().test(.GET, "api/v1/me/stream/health", headers: bearer(maker)) { response in
                #expect(response.status == .ok)
                #expect(response.body.string.contains("\"recording\":\"off\""))
            }
        }
    }

    @Test func recoveryFinishesAnInterruptedRecording() async throws {
        try await withTestApp { app in
            try await app.signUp("maker")
            let id = try await recordVideo(app, of: "maker")
            // What a crash leaves: the row still recording, no playlist.
            let video = try #require(try await Video.find(id, on: app.db))
            video.status = .recording
            try await video.save(on: app.db)
            try FileManager.default.removeItem(at: app.recordings.directory(of: id).appendingPathComponent("index.m3u8"))
            let orphan = RecordingLayout.directory(of: UUID(), in: app.metropole.dataDirectory)
            try FileManager.default.createDirectory(at: orphan, withIntermediateDirectories: true)
            // act
            try await app.recordings.recover()
            // check
            let recovered = try #require(try await Video.find(id, on: app.db))
            #expect(recovered.status == .complete)
            #expect(recovered.durationMilliseconds == 6000)
            #expect(FileManager.default.fileExists(atPath: app.recordings.directory(of: id).appendingPathComponent("index.m3u8").path))
            #expect(!FileManager.default.fileExists(atPath: orphan.path))
        }
    }

    @Test func retentionWithACapRemovesTheOldest() async throws {
        try await withTestApp(environment: ["METROPOLE_VOD_MAX_GB": "0.000004"]) { app in
            try await app.signUp("maker")
            let old = try await recordVideo(app, of: "maker", startedAt: Date().addingTimeInterval(-600))
            let new = try await recordVideo(app, of: "maker")
            // Each is 3 × 1000 bytes + its init segment: 4000 bytes keep only one.
            await app.recordings.enforceRetention()
            #expect(try await Video.find(old, on: app.db) == nil)
            #expect(!FileManager.default.fileExists(atPath: app.recordings.directory(of: old).path))
            #expect(try await Video.find(new, on: app.db) != nil)
        }
    }
}
