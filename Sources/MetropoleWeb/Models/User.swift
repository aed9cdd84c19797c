import Fluent
import Foundation

/// A person with an account. Every user owns exactly one `Stream`.
final class User: Model, @unchecked Sendable {
    static let schema = "users"

    @ID(key: .id) var id: UUID?
    /// Shown exactly as typed at sign-up.
    @Field(key: "username") var username: String
    /// Lower-cased username: uniqueness and look-ups are case-insensitive on every backend.
    @Field(key: "username_key") var usernameKey: String
    @Field(key: "password_hash") var passwordHash: String
    @Field(key: "bio") var bio: String
    @OptionalField(key: "avatar") var avatar: String?
    /// A full name from the user's identity provider (sync events, OpenID Connect); nil for most.
    @OptionalField(key: "display_name") var displayName: String?
    /// The streaming provider this creator publishes through (`ProviderDefinition.id`); nil is
    /// the built-in engine.
    @OptionalField(key: "preferred_provider") var preferredProvider: String?
    /// nil for a creator; `admin` for an operator (`metropole admin grant`).
    @OptionalField(key: "role") var roleName: String?
    /// Set while an admin has suspended the account: it cannot sign in, stream or chat, and its
    /// channel is hidden. Nothing is deleted.
    @OptionalField(key: "suspended_at") var suspendedAt: Date?
    @OptionalField(key: "suspension_reason") var suspensionReason: String?
    @Timestamp(key: "created_at", on: .create) var createdAt: Date?
    @Timestamp(key: "updated_at", on: .update) var updatedAt: Date?

    init() {}

    var role: UserRole { roleName.flatMap(UserRole.init(rawValue:)) ?? .creator }
    var isAdmin: Bool { role == .admin }
    var isSuspended: Bool { suspendedAt != nil }

    init(id: UUID? = nil, username: String, passwordHash: String, bio: String = "") {
        self.id = id
        self.username = username
        self.usernameKey = Username.key(username)
        self.passwordHash = passwordHash
        self.bio = bio
    }
}

/// What a user may do beyond their own channel.
enum UserRole: String, Sendable, CaseIterable {
    case creator
    case admin
}
