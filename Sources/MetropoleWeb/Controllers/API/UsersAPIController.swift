import Fluent
import Vapor

/// `POST /users`, `GET /users/{username}`.
enum UsersAPIController {
    @Sendable static func create(request: Request) async throws -> Response {
        let credentials = try request.content.decode(Accounts.Credentials.self)
        let user = try await Accounts.register(credentials, on: request)
        let response = Response(status: .created)
        try response.content.encode(UserEnvelope(user: UserDTO(user)))
        return response
    }

    @Sendable static func show(request: Request) async throws -> PublicUserDTO {
        guard let name = request.parameters.get("username"),
              let user = try await User.query(on: request.db).filter(\.$usernameKey == Username.key(name))
                .filter(\.$suspendedAt == nil).first()
        else { throw APIError.notFound("No user by that name.") }
        let userID = try user.requireID()
        // Someone this user blocks cannot tell the account exists.
        if try await SocialGraph.isBlocked(request.currentUser?.id, by: userID, on: request.db) {
            throw APIError.notFound("No user by that name.")
        }
        async let followers = SocialGraph.followerCount(of: userID, on: request.db)
        async let stream = Stream.query(on: request.db).filter(\.$user.$id == userID).first()
        return try await PublicUserDTO(
            username: user.username, displayName: user.displayName, avatarUrl: user.avatar.map { SiteURL.avatar($0).path }, bio: user.bio, followerCount: followers, isLive: stream?.isLive ?? false
        )
    }
}
