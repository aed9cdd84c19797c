import Fluent
import Vapor

/// What a user shows of themselves: bio and avatar, changed the same way from the API and the
/// Settings page.
enum Profiles {
    static let bioLimit = 500

    static func setBio(_ bio: String, of user: User, in app: Application) async throws {
        let trimmed = bio.trimmingCharacters(in: .whitespacesAndNewlines)
        guard trimmed.count <= bioLimit else {
            throw APIError.validation("Bio must be at most \(bioLimit) characters.", code: "invalid_bio")
        }
        guard trimmed != user.bio else { return }
        user.bio = trimmed
        try await user.save(on: app.db)
        await app.webhooks.userUpdated(user)
    }

    /// Stores a new avatar; returns its file name.
    static func replaceAvatar(of user: User, with bytes: ByteBuffer, in app: Application) async throws -> String {
        try await ImageUpload.replace(user.avatar, with: bytes, as: .avatars, in: app) { name in
            user.avatar = name
            try await user.save(on: app.db)
            await app.webhooks.userUpdated(user)
        }
    }
}
