import Fluent
import Vapor

/// The home page: the channels the viewer follows, then recommendations, live first.
struct HomePageModel: Sendable {
    struct Card: Sendable {
        var username: String
        var title: String
        var isLive: Bool
        var viewerCount: Int
        var thumbnailURL: String?
        var avatarURL: String?
    }

    var following: [Card]
    var recommended: [Card]

    static func load(for request: Request) async throws -> HomePageModel {
        let viewer = request.currentUser
        var following: [ChannelRow] = []
        if let viewerID = viewer?.id {
            let followedIDs = try await SocialGraph.followedIDs(of: viewerID, on: request.db)
            following = try await request.application.listings.channels(for: viewerID, filter: .init(only: followedIDs, limit: 24), on: request.db)
        }
        let recommended = try await request.application.listings.channels(
            for: viewer?.id, filter: .init(excluding: following.map(\.userID), limit: 48), on: request.db)
        let card = { [app = request.application] (row: ChannelRow) in Card(row, in: app) }
        return HomePageModel(following: following.map(card), recommended: recommended.map(card))
    }
}

extension HomePageModel.Card {
    init(_ row: ChannelRow, in app: Application) {
        self.init(
            username: row.username, title: row.title, isLive: row.isLive,
            viewerCount: row.isLive ? app.live.directory.viewers.count(username: row.username) : 0,
            thumbnailURL: app.cardThumbnailURL(username: row.username, uploaded: row.thumbnail, isLive: row.isLive,
                                               keepUploaded: row.keepUploadedThumbnail),
            avatarURL: row.avatar.map { SiteURL.avatar($0).path }
        )
    }
}
