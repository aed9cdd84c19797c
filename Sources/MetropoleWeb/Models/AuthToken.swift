import Fluent
import Foundation

/// A sign-in: an API token or a browser session. Only a SHA-256 of the secret is stored, so a
/// leaked database cannot be replayed; deleting the row revokes it.
final class AuthToken: Model, @unchecked Sendable {
    static let schema = "auth_tokens"

    enum Kind: String, Codable, Sendable {
        case api
        case browser
    }

    @ID(key: .id) var id: UUID?
    @Parent(key: "user_id") var user: User
    @Field(key: "token_hash") var tokenHash: String
    @Field(key: "kind") var kind: Kind
    @Field(key: "expires_at") var expiresAt: Date
    @Timestamp(key: "created_at", on: .create) var createdAt: Date?

    init() {}

    init(userID: UUID, tokenHash: String, kind: Kind, expiresAt: Date) {
        self.$user.id = userID
        self.tokenHash = tokenHash
        self.kind = kind
        self.expiresAt = expiresAt
    }
}
