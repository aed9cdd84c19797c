import Foundation
import Vapor

/// A past broadcast's page: the VOD player, its title and date, and the owner's rename and
/// delete forms.
struct WatchPageModel: Sendable {
    var video: VideoCard
    var playlistURL: String
    var isOwner: Bool
    var avatarURL: String?
    var notice: String?

    static func load(username: String, videoID: String?, notice: String? = nil, on request: Request) async throws -> WatchPageModel {
        let video = try await VideoDirectory.visibleVideo(videoID, for: request.currentUser, on: request.db)
        // The page's address names the channel: another channel's name is 404, not a redirect.
        guard Username.key(video.user.username) == Username.key(username) else { throw APIError.notFound("No video by that id.") }
        let card = try VideoCard(video, username: video.user.username, thumbnail: video.stream.thumbnail)
        return WatchPageModel(
            video: card, playlistURL: SiteURL.vodFile(card.id, file: RecordingLayout.playlist).path,
            isOwner: request.currentUser?.id == video.$user.id, avatarURL: video.user.avatar.map { SiteURL.avatar($0).path },
            notice: notice
        )
    }
}
