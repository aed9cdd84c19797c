import Fluent
import Vapor

/// `GET /me`, `PATCH /me`.
enum MeAPIController {
    struct Update: Content {
        var bio: String?
        var preferredProvider: String?
    }

    @Sendable static func show(request: Request) async throws -> UserEnvelope {
        try UserEnvelope(user: UserDTO(request.requireUser()))
    }

    @Sendable static func update(request: Request) async throws -> UserEnvelope {
        let user = try request.requireUser()
        let update = try request.content.decode(Update.self)
        if let bio = update.bio {
            try await Profiles.setBio(bio, of: user, in: request.application)
        }
        if let provider = update.preferredProvider {
            try await Ingress.choose(provider, for: user, in: request.application)
        }
        return try UserEnvelope(user: UserDTO(user))
    }
}
