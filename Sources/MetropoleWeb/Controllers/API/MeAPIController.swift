import Fluent
import Vapor

/// `GET /me`, `PATCH /me`.
enum MeAPIController {
    static let bioLimit = 500

    struct Update: Content {
        var bio: String?
    }

    @Sendable static func show(request: Request) async throws -> UserEnvelope {
        try UserEnvelope(user: UserDTO(request.requireUser()))
    }

    @Sendable static func update(request: Request) async throws -> UserEnvelope {
        let user = try request.requireUser()
        let update = try request.content.decode(Update.self)
        if let bio = update.bio {
            try await apply(bio: bio, to: user, on: request.db)
        }
        return try UserEnvelope(user: UserDTO(user))
    }

    static func apply(bio: String, to user: User, on database: any Database) async throws {
        let trimmed = bio.trimmingCharacters(in: .whitespacesAndNewlines)
        guard trimmed.count <= bioLimit else {
            throw APIError.validation("Bio must be at most \(bioLimit) characters.", code: "invalid_bio")
        }
        user.bio = trimmed
        try await user.save(on: database)
    }
}
