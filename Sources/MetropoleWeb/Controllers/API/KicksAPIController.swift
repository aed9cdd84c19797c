import Fluent
import Vapor

/// `POST /me/kicks/{username}`: removes a viewer from the caller's channel (player and chat)
/// at once, for `seconds` (default 600).
enum KicksAPIController {
    struct Create: Content {
        var seconds: Int?
    }

    @Sendable static func create(request: Request) async throws -> HTTPStatus {
        let owner = try request.requireUser()
        // The body is optional: no body (or `{}`) means the default duration.
        let body = request.body.data.map { $0.readableBytes > 0 } == true ? try request.content.decode(Create.self) : Create()
        let seconds = body.seconds ?? Moderation.defaultKickSeconds
        guard Moderation.kickSecondsRange.contains(seconds) else {
            throw APIError.validation(
                "seconds must be \(Moderation.kickSecondsRange.lowerBound)–\(Moderation.kickSecondsRange.upperBound).", code: "invalid_seconds"
            )
        }
        guard let viewer = try await User.query(on: request.db)
            .filter(\.$usernameKey == Username.key(request.parameters.get("username") ?? "")).first()
        else { throw APIError.notFound("No user by that name.") }
        guard viewer.id != owner.id else {
            throw APIError.validation("You cannot kick yourself from your own channel.", code: "cannot_kick_self")
        }
        try await Moderation.kick(viewer, fromChannelOf: owner, seconds: seconds, on: request)
        return .noContent
    }
}
