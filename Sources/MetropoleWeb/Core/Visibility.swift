import Fluent
import Foundation

/// Blocking, as every listing and channel look-up must respect it: a user blocked by a
/// streamer never sees that streamer's channel anywhere.
enum Visibility {
    static func isBlocked(_ viewer: User?, by ownerID: UUID, on database: any Database) async throws -> Bool {
        guard let viewerID = viewer?.id else { return false }
        return try await Block.query(on: database)
            .filter(\.$blocker.$id == ownerID)
            .filter(\.$blocked.$id == viewerID)
            .first() != nil
    }
}
