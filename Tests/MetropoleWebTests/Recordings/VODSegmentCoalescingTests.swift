import Fluent
import Foundation
import MetropoleMedia
import NIOCore
import Testing
import Vapor
import VaporTesting
@testable import MetropoleWeb

/// `/vod/{id}/{n}.m4s` answers with the segment as one `moof` + `mdat` (decision 0049), byte
/// ranges included; a file the coalescer does not understand goes out as it is.
@Suite(.serialized) struct VODSegmentCoalescingTests {
    /// Five AAC chunks, as `FragmentWriter` writes them live.
    static func chunks() throws -> ByteBuffer {
        let track = FMP4Track(id: 2, config: .aac(try AudioSpecificConfig(parsing: ByteBuffer(bytes: [0x11, 0x90]))))
        var writer = FragmentWriter()
        let fragments = (0..<5).map { index in
            writer.fragment(for: MediaFrame(kind: .audio, dts: Int64(1000 + 21 * index), isKeyframe: true,
                                            payload: ByteBuffer(repeating: UInt8(index), count: 30)), track: track)
        }
        return fragments.joined()
    }

    /// A complete video of `username`'s stream whose folder holds `files`.
    static func video(_ app: Application, of username: String, files: [String: ByteBuffer]) async throws -> String {
        let user = try #require(try await User.query(on: app.db).filter(\.$usernameKey == username).first())
        let stream = try await Channels.ownStream(of: user, on: app.db)
        let video = Video(streamID: try stream.requireID(), userID: try user.requireID(), title: "Chunks", startedAt: Date())
        video.status = .complete
        try await video.create(on: app.db)
        let folder = app.recordings.directory(of: try video.requireID())
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        for (name, bytes) in files {
            try Data(bytes.readableBytesView).write(to: folder.appendingPathComponent(name))
        }
        return try video.requireID().uuidString.lowercased()
    }

    @Test func aSegmentIsServedCoalescedWithRangesOfThoseBytes() async throws {
        try await withTestApp { app in
            // setup
            try await app.signUp("maker")
            let chunks = try Self.chunks()
            let merged = try #require(SegmentCoalescer.coalesce(chunks))
            let id = try await Self.video(app, of: "maker", files: ["0.m4s": chunks, "1.m4s": ByteBuffer(string: "not a segment")])
            // act, check
            try await app.testing().test(.GET, "vod/\(id)/0.m4s") { response in
                #expect(response.status == .ok)
                #expect(response.body == merged)
                #expect(response.headers.first(name: .contentType) == "video/iso.segment")
                #expect(response.headers.first(name: .cacheControl) == "private, max-age=60")
                #expect(response.headers.first(name: "X-Content-Type-Options") == "nosniff")
                #expect(response.headers.first(name: .accessControlAllowOrigin) == "*")
                #expect(response.headers.first(name: .acceptRanges) == "bytes")
            }
            try await app.testing().test(.GET, "vod/\(id)/0.m4s", headers: ["Range": "bytes=4-11"]) { response in
                #expect(response.status == .partialContent)
                #expect(response.body.getString(at: 0, length: 4) == "moof")
                #expect(response.body == merged.getSlice(at: 4, length: 8))
                #expect(response.headers.first(name: .contentRange) == "bytes 4-11/\(merged.readableBytes)")
            }
            try await app.testing().test(.GET, "vod/\(id)/0.m4s", headers: ["Range": "bytes=-10"]) { response in
                #expect(response.status == .partialContent)
                #expect(response.body == merged.getSlice(at: merged.readableBytes - 10, length: 10))
            }
            try await app.testing().test(.GET, "vod/\(id)/0.m4s", headers: ["Range": "bytes=\(merged.readableBytes)-"]) { response in
                #expect(response.status == .rangeNotSatisfiable)
                #expect(response.headers.first(name: .contentRange) == "bytes */\(merged.readableBytes)")
            }
            try await app.testing().test(.GET, "vod/\(id)/1.m4s") { response in
                #expect(response.status == .ok)
                #expect(response.body.string == "not a segment")
                #expect(response.headers.first(name: .contentType) == "video/iso.segment")
            }
        }
    }
}
