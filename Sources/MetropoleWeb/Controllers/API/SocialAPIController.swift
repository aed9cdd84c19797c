import Vapor

/// `PUT/DELETE /me/following/{username}`, `GET /me/following`,
/// `PUT/DELETE /me/blocked/{username}`, `GET /me/blocked`.
enum SocialAPIController {
    struct FollowedDTO: Content {
        var username: String
        var isLive: Bool
    }

    struct BlockedDTO: Content {
        var username: String
    }

    @Sendable static func follow(request: Request) async throws -> HTTPStatus {
        let user = try request.requireUser()
        try await SocialGraph.follow(SocialGraph.target(request), by: user, on: request)
        return .noContent
    }

    @Sendable static func unfollow(request: Request) async throws -> HTTPStatus {
        let user = try request.requireUser()
        try await SocialGraph.unfollow(SocialGraph.target(request), by: user, on: request)
        return .noContent
    }

    @Sendable static func following(request: Request) async throws -> [FollowedDTO] {
        try await SocialGraph.followedStreams(of: request.requireUser(), on: request.db)
            .map { FollowedDTO(username: $0.user.username, isLive: $0.isLive) }
    }

    @Sendable static func block(request: Request) async throws -> HTTPStatus {
        let user = try request.requireUser()
        try await SocialGraph.block(SocialGraph.target(request), by: user, on: request)
        return .noContent
    }

    @Sendable static func unblock(request: Request) async throws -> HTTPStatus {
        let user = try request.requireUser()
        try await SocialGraph.unblock(SocialGraph.target(request), by: user, on: request.db)
        return .noContent
    }

    @Sendable static func blocked(request: Request) async throws -> [BlockedDTO] {
        try await SocialGraph.blockedUsers(of: request.requireUser(), on: request.db).map { BlockedDTO(username: $0.username) }
    }
}
