import Foundation
import Vapor

/// What the API says about the signed-in user (`{user}` in the contract).
struct UserDTO: Content {
    var id: UUID
    var username: String
    var bio: String
    var avatarUrl: String?
    /// A full name from the user's identity provider, when there is one.
    var displayName: String?
    var createdAt: Date?
    /// The streaming provider the user publishes through (`GET /providers`); `builtin` by default.
    var preferredProvider: String
    /// `creator`, or `admin` for an operator.
    var role: String

    init(_ user: User) throws {
        self.id = try user.requireID()
        self.username = user.username
        self.bio = user.bio
        self.avatarUrl = user.avatar.map { SiteURL.avatar($0).path }
        self.displayName = user.displayName
        self.createdAt = user.createdAt
        self.preferredProvider = user.preferredProvider ?? ProviderDefinition.builtin.id
        self.role = user.role.rawValue
    }
}

struct UserEnvelope: Content {
    var user: UserDTO
}

struct SessionDTO: Content {
    var token: String
    var user: UserDTO
}

/// What anyone may see of a user.
struct PublicUserDTO: Content {
    var username: String
    var displayName: String?
    var avatarUrl: String?
    var bio: String
    var followerCount: Int
    var isLive: Bool
}
