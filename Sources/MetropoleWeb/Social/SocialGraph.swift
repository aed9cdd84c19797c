import Fluent
import Foundation
import Vapor

/// Following and blocking, with the rules every entry point shares: nobody follows
/// themselves, a blocked user cannot follow the blocker, and a block removes follows both ways
/// and ejects the blocked user from the blocker's stream and chat at once.
enum SocialGraph {
    /// The user named in the path, or 404.
    static func target(_ request: Request, parameter: String = "username") async throws -> User {
        guard let name = request.parameters.get(parameter),
              let user = try await User.query(on: request.db).filter(\.$usernameKey == Username.key(name)).first()
        else { throw APIError.notFound("No user by that name.") }
        return user
    }

    static func follow(_ followed: User, by follower: User, on request: Request) async throws {
        let followerID = try follower.requireID(), followedID = try followed.requireID()
        guard followerID != followedID else { throw APIError.validation("You can't follow yourself.", code: "self_follow") }
        guard try await !isBlocked(followerID, by: followedID, on: request.db) else {
            throw APIError.forbidden("This user has blocked you.", code: "blocked")
        }
        guard try await Follow.query(on: request.db)
            .filter(\.$follower.$id == followerID).filter(\.$followed.$id == followedID).first() == nil
        else { return }
        do {
            try await Follow(followerID: followerID, followedID: followedID).create(on: request.db)
        } catch let error as any DatabaseError where error.isConstraintFailure {
            // A concurrent request created the same follow: following is idempotent.
            return
        }
        request.application.listings.invalidate()
        await request.application.webhooks.followCreated(follower: follower, followed: followed)
    }

    static func unfollow(_ followed: User, by follower: User, on request: Request) async throws {
        let followerID = try follower.requireID(), followedID = try followed.requireID()
        try await Follow.query(on: request.db).filter(\.$follower.$id == followerID).filter(\.$followed.$id == followedID).delete()
        request.application.listings.invalidate()
    }

    static func block(_ blocked: User, by blocker: User, on request: Request) async throws {
        let blockerID = try blocker.requireID(), blockedID = try blocked.requireID()
        guard blockerID != blockedID else { throw APIError.validation("You can't block yourself.", code: "self_block") }
        try await request.db.transaction { database in
            try await Follow.query(on: database).group(.or) { either in
                either.group(.and) { $0.filter(\.$follower.$id == blockerID).filter(\.$followed.$id == blockedID) }
                either.group(.and) { $0.filter(\.$follower.$id == blockedID).filter(\.$followed.$id == blockerID) }
            }.delete()
            if try await Block.query(on: database).filter(\.$blocker.$id == blockerID).filter(\.$blocked.$id == blockedID).first() == nil {
                try await Block(blockerID: blockerID, blockedID: blockedID).create(on: database)
            }
        }
        request.application.listings.invalidate()
        request.application.ejections.eject(viewerID: blockedID, fromChannelOf: blockerID, reason: .blocked)
    }

    static func unblock(_ blocked: User, by blocker: User, on database: any Database) async throws {
        let blockerID = try blocker.requireID(), blockedID = try blocked.requireID()
        try await Block.query(on: database).filter(\.$blocker.$id == blockerID).filter(\.$blocked.$id == blockedID).delete()
    }

    /// Whether `followerID` (nil: a guest) follows `followedID`.
    static func isFollowing(_ followerID: UUID?, _ followedID: UUID, on database: any Database) async throws -> Bool {
        guard let followerID else { return false }
        return try await Follow.query(on: database)
            .filter(\.$follower.$id == followerID).filter(\.$followed.$id == followedID).first() != nil
    }

    /// Whether `ownerID` blocks `viewerID` (nil: a guest, whom nobody blocks). A blocked user
    /// never sees that owner's channel anywhere: listings, look-ups, player, chat.
    static func isBlocked(_ viewerID: UUID?, by ownerID: UUID, on database: any Database) async throws -> Bool {
        guard let viewerID else { return false }
        return try await Block.query(on: database)
            .filter(\.$blocker.$id == ownerID).filter(\.$blocked.$id == viewerID).first() != nil
    }

    /// Whether some owner blocks `viewerID`: their listings differ from everyone else's.
    static func isBlockedByAnyone(_ viewerID: UUID, on database: any Database) async throws -> Bool {
        try await Block.query(on: database).filter(\.$blocked.$id == viewerID).first() != nil
    }

    /// Ids of the channels `userID` follows.
    static func followedIDs(of userID: UUID, on database: any Database) async throws -> [UUID] {
        try await Follow.query(on: database).filter(\.$follower.$id == userID).all().map { $0.$followed.id }
    }

    static func followerCount(of userID: UUID, on database: any Database) async throws -> Int {
        try await Follow.query(on: database).filter(\.$followed.$id == userID).count()
    }

    /// Streams of the channels `user` follows, live first, then most recently followed.
    static func followedStreams(of user: User, on database: any Database) async throws -> [Stream] {
        let userID = try user.requireID()
        let follows = try await Follow.query(on: database).filter(\.$follower.$id == userID).sort(\.$createdAt, .descending).all()
        let order = Dictionary(uniqueKeysWithValues: follows.enumerated().map { ($1.$followed.id, $0) })
        guard !order.isEmpty else { return [] }
        let streams = try await Stream.query(on: database).filter(\.$user.$id ~~ Array(order.keys)).with(\.$user).all()
        return streams.sorted { lhs, rhs in
            if lhs.isLive != rhs.isLive { return lhs.isLive }
            return (order[lhs.$user.id] ?? 0) < (order[rhs.$user.id] ?? 0)
        }
    }

    /// Users `user` blocks, most recent first.
    static func blockedUsers(of user: User, on database: any Database) async throws -> [User] {
        try await Block.query(on: database).filter(\.$blocker.$id == user.requireID())
            .sort(\.$createdAt, .descending).with(\.$blocked).all().map(\.blocked)
    }
}
