import Foundation
import MetropoleMedia
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
        let mediaType = HTTPMediaType(type: parts[0], subType: parts[1])
        let response: Response
        // A segment goes out as one moof with a traf per track (0049), read whole without
        // blocking the event loop; one the coalescer does not understand goes out as on disk.
        if case .segment = file, let merged = SegmentCoalescer.coalesce(try await request.fileio.collectFile(at: path)) {
            response = try Self.response(with: merged, mediaType: mediaType, for: request)
        } else {
            // Streamed from the file, with Range support; the HTTP edge collects the body (0014),
            // which a segment file keeps small.
            response = try await request.fileio.asyncStreamFile(at: path, mediaType: mediaType)
        }
        // A video's files never change once written, but a rename or delete must take effect
        // for the next viewer, so only brief caching; blocked viewers must not get a cached copy.
        response.headers.replaceOrAdd(name: .cacheControl, value: "private, max-age=60")
        response.headers.replaceOrAdd(name: "X-Content-Type-Options", value: "nosniff")
        // As for live HLS: players on other sites may play public videos (without cookies).
        response.headers.replaceOrAdd(name: .accessControlAllowOrigin, value: "*")
        return response
    }

    /// `bytes` as the body, with the single byte range the file streamer would honour: a player
    /// that fetches part of a segment must get a part of the same bytes a whole fetch gets.
    private static func response(with bytes: ByteBuffer, mediaType: HTTPMediaType, for request: Request) throws -> Response {
        let response = Response(status: .ok, body: .init(buffer: bytes))
        response.headers.contentType = mediaType
        response.headers.replaceOrAdd(name: .acceptRanges, value: "bytes")
        guard request.headers.contains(name: .range) else { return response }
        guard let range = request.headers.range else { throw APIError.badRequest("Unreadable Range header.") }
        // As the file streamer does: other units and several ranges get the whole body.
        guard range.unit == .bytes, range.ranges.count == 1 else { return response }
        let count = bytes.readableBytes
        guard case .withinWithLimit(let start, let end, _)? = try? range.ranges[0].asResponseContentRange(limit: count),
              start < count, let part = bytes.getSlice(at: bytes.readerIndex + start, length: min(end, count - 1) - start + 1)
        else {
            throw APIError(status: .rangeNotSatisfiable, code: "range_not_satisfiable", message: "The range is outside the file.",
                           headers: ["Content-Range": "bytes */\(count)"])
        }
        response.status = .partialContent
        response.headers.contentRange = .init(unit: .bytes, range: .withinWithLimit(start: start, end: start + part.readableBytes - 1, limit: count))
        response.body = .init(buffer: part)
        return response
    }
}
