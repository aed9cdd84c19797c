import Fluent
import Foundation

/// `channelOwner` removed `user` from their channel until `expiresAt`.
final class Kick: Model, @unchecked Sendable {
    static let schema = "kicks"

    @ID(key: .id) var id: UUID?
    @Parent(key: "channel_owner_id") var channelOwner: User
    @Parent(key: "user_id") var user: User
    @Field(key: "expires_at") var expiresAt: Date
    @Timestamp(key: "created_at", on: .create) var createdAt: Date?

    init() {}

    init(channelOwnerID: UUID, userID: UUID, expiresAt: Date) {
        self.$channelOwner.id = channelOwnerID
        self.$user.id = userID
        self.expiresAt = expiresAt
    }
}
