import Fluent
import Vapor

/// `GET /streams/{username}/videos`, `GET /videos/{id}`, `PATCH` and `DELETE /me/videos/{id}`:
/// recorded broadcasts.
enum VideosAPIController {
    struct VideoDTO: Content {
        var id: UUID
        var title: String
        var startedAt: Date
        var durationSeconds: Double
        /// Part of the broadcast is missing (the disk was full or too slow for a while).
        var hasGaps: Bool
        var thumbnailUrl: String?
        /// Absolute: any HLS player can open it.
        var playlistUrl: String

        init(_ video: Video, stream: Stream, publicURL: URL) throws {
            let id = try video.requireID()
            self.id = id
            title = video.title
            startedAt = video.startedAt
            durationSeconds = Double(video.durationMilliseconds) / 1000
            hasGaps = video.hasGaps
            thumbnailUrl = stream.thumbnail.map { SiteURL.thumbnail($0).path }
            playlistUrl = publicURL.absoluteString + SiteURL.vodFile(id.uuidString.lowercased(), file: RecordingLayout.playlist).path
        }
    }

    struct RenameRequest: Content {
        var title: String
    }

    @Sendable static func list(request: Request) async throws -> [VideoDTO] {
        let (stream, videos) = try await VideoDirectory.videos(
            ofChannel: request.parameters.get("username") ?? "", for: request.currentUser, on: request.db)
        let publicURL = request.application.metropole.publicURL
        return try videos.map { try VideoDTO($0, stream: stream, publicURL: publicURL) }
    }

    @Sendable static func show(request: Request) async throws -> VideoDTO {
        let video = try await VideoDirectory.visibleVideo(request.parameters.get("video"), for: request.currentUser, on: request.db)
        return try VideoDTO(video, stream: video.stream, publicURL: request.application.metropole.publicURL)
    }

    @Sendable static func rename(request: Request) async throws -> VideoDTO {
        let video = try await VideoDirectory.ownVideo(request.parameters.get("video"), of: request.requireUser(), on: request.db)
        let body = try request.content.decode(RenameRequest.self)
        try await VideoDirectory.rename(video, to: body.title, on: request.db)
        return try VideoDTO(video, stream: video.stream, publicURL: request.application.metropole.publicURL)
    }

    @Sendable static func delete(request: Request) async throws -> HTTPStatus {
        let video = try await VideoDirectory.ownVideo(request.parameters.get("video"), of: request.requireUser(), on: request.db)
        try await request.application.recordings.delete(video)
        return .noContent
    }
}
