import Fluent
import Vapor

/// The home page: channels, live ones first.
struct HomePageModel: Sendable {
    struct Card: Sendable {
        var username: String
        var title: String
        var isLive: Bool
        var thumbnailURL: String?
    }

    var cards: [Card]

    static func load(on database: any Database, limit: Int = 48) async throws -> HomePageModel {
        let streams = try await Stream.query(on: database)
            .with(\.$user)
            .sort(\.$isLive, .descending)
            .sort(\.$updatedAt, .descending)
            .limit(limit)
            .all()
        return HomePageModel(cards: streams.map { stream in
            Card(username: stream.user.username, title: stream.title, isLive: stream.isLive,
                 thumbnailURL: stream.thumbnail.map { SiteURL.thumbnail($0).path })
        })
    }
}
