import Fluent
import Foundation

/// A user's account at another identity system: an OpenID Connect issuer (`provider` is the
/// issuer URL) or the user-sync webhook sender (`provider` is `webhook`), and the id there.
/// Kept after a synced user is deleted (`userID` nil, `isDeleted`), so a late event for
/// them cannot bring the account back.
final class UserIdentity: Model, @unchecked Sendable {
    static let schema = "user_identities"
    static let webhookProvider = "webhook"

    @ID(key: .id) var id: UUID?
    @Field(key: "provider") var provider: String
    @Field(key: "subject") var subject: String
    @OptionalParent(key: "user_id") var user: User?
    /// The sender's change time (ms since 1970) of the last event applied: older ones change nothing.
    @OptionalField(key: "last_event_at") var lastEventAt: Int64?
    /// The picture URL last fetched for this user, so an unchanged URL is not fetched again.
    @OptionalField(key: "image_source") var imageSource: String?
    @Field(key: "is_deleted") var isDeleted: Bool
    @Timestamp(key: "created_at", on: .create) var createdAt: Date?
    @Timestamp(key: "updated_at", on: .update) var updatedAt: Date?

    init() {}

    init(provider: String, subject: String, userID: UUID?) {
        self.provider = provider
        self.subject = subject
        self.$user.id = userID
        self.isDeleted = false
    }
}
