import Fluent
import Foundation

/// `follower` follows `followed`. One row per pair.
final class Follow: Model, @unchecked Sendable {
    static let schema = "follows"

    @ID(key: .id) var id: UUID?
    @Parent(key: "follower_id") var follower: User
    @Parent(key: "followed_id") var followed: User
    @Timestamp(key: "created_at", on: .create) var createdAt: Date?

    init() {}

    init(followerID: UUID, followedID: UUID) {
        self.$follower.id = followerID
        self.$followed.id = followedID
    }
}
