import Fluent
import Foundation
import Vapor

/// A channel page: the player and what surrounds it.
struct ChannelPageModel: Sendable {
    var username: String
    var title: String
    var bio: String
    var isLive: Bool
    var viewerCount: Int
    var startedAt: Date?
    var thumbnailURL: String?
    var followerCount: Int
    var isOwner: Bool
    var avatarURL: String?
    var isFollowing: Bool
    var isSignedIn: Bool
    var playback: PlaybackURLs

    static func load(username: String, on request: Request) async throws -> ChannelPageModel {
        let stream = try await Channels.visibleStream(named: username, for: request.currentUser, on: request.db)
        let user = stream.user
        let userID = try user.requireID()
        let followers = try await SocialGraph.followerCount(of: userID, on: request.db)
        let name = user.username
        return ChannelPageModel(
            username: name, title: stream.title, bio: user.bio, isLive: stream.isLive,
            viewerCount: stream.isLive ? request.application.live.directory.viewers.count(username: name) : 0,
            startedAt: stream.isLive ? stream.startedAt : nil,
            thumbnailURL: stream.thumbnail.map { SiteURL.thumbnail($0).path },
            followerCount: followers, isOwner: request.currentUser?.id == user.id,
            avatarURL: user.avatar.map { SiteURL.avatar($0).path },
            isFollowing: try await SocialGraph.isFollowing(request.currentUser?.id, userID, on: request.db),
            isSignedIn: request.currentUser != nil,
            playback: await Ingress.playback(of: stream, absolute: false, in: request.application)
        )
    }
}
