import Foundation
import Vapor

/// A recording's files: `/vod/{id}/index.m3u8`, `init-{n}.mp4`, `{n}.m4s`. The same rules as
/// live playback: 404 for unknown and suspended creators' videos, 403 for viewers the creator
/// blocks or has kicked. Names are one of three digit-only shapes, so no path leaves the folder.
enum VODController {
    @Sendable static func file(request: Request) async throws -> Response {
        guard let file = request.parameters.get("file").flatMap(RecordingLayout.File.init) else {
            throw APIError.notFound("No such file.")
        }
        let video = try await VideoDirectory.video(request.parameters.get("video"), on: request.db)
        try await ChannelAccess.check(request.currentUser, onChannelOf: video.$user.id, on: request.db)
        let path = request.application.recordings.directory(of: try video.requireID()).appendingPathComponent(file.name).path
        guard FileManager.default.fileExists(atPath: path) else { throw APIError.notFound("No such file.") }
        let parts = file.contentType.split(separator: "/").map(String.init)
        // Streamed from the file, with Range support; the HTTP edge collects the body (0014),
        // which a segment file keeps small.
        let response = try await request.fileio.asyncStreamFile(at: path, mediaType: HTTPMediaType(type: parts[0], subType: parts[1]))
        // A video's files never change once written, but a rename or delete must take effect
        // for the next viewer, so only brief caching; blocked viewers must not get a cached copy.
        response.headers.replaceOrAdd(name: .cacheControl, value: "private, max-age=60")
        response.headers.replaceOrAdd(name: "X-Content-Type-Options", value: "nosniff")
        // As for live HLS: players on other sites may play public videos (without cookies).
        response.headers.replaceOrAdd(name: .accessControlAllowOrigin, value: "*")
        return response
    }
}
