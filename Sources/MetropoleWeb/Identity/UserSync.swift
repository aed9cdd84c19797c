import Fluent
import MetropoleIdentity
import Vapor

/// Applies user-sync events (`POST /api/v1/webhooks/users`): idempotent and order-safe
/// (decision 0032). An event whose change time is not newer than the last one applied for
/// that user changes nothing; a deleted user stays deleted.
enum UserSync {
    enum Outcome: String, Sendable {
        case applied
        /// Not newer than what was applied already (a retry, or an older event arriving late).
        case stale
        /// The user was deleted; nothing brings them back.
        case deleted
    }

    static func apply(_ event: UserSyncEvent, in app: Application) async throws -> Outcome {
        let provider = UserIdentity.webhookProvider
        let identity = try await ExternalAccounts.identity(provider: provider, subject: event.subject, on: app.db)
        if identity?.isDeleted == true { return .deleted }
        if let last = identity?.lastEventAt, let changedAt = event.changedAt, changedAt <= last { return .stale }

        guard let profile = event.profile else {
            try await delete(subject: event.subject, identity: identity, in: app)
            return .applied
        }
        guard let identity, let userID = identity.$user.id, let user = try await User.find(userID, on: app.db) else {
            // `user.updated` before `user.created` (deliveries are not ordered) makes the user too.
            _ = try await ExternalAccounts.create(provider: provider, subject: event.subject, profile: profile,
                                                  changedAt: event.changedAt, in: app)
            return .applied
        }
        try await ExternalAccounts.update(user, identity: identity, to: profile, in: app)
        if let changedAt = event.changedAt {
            identity.lastEventAt = max(changedAt, identity.lastEventAt ?? changedAt)
            try await identity.save(on: app.db)
        }
        return .applied
    }

    /// Removes the user and everything that hangs off them (stream, follows, blocks,
    /// sessions, kicks, chat history: the database cascades), cuts their publisher off, and
    /// leaves a tombstone so a late event cannot make them again.
    static func delete(subject: String, identity: UserIdentity?, in app: Application) async throws {
        let tombstone = identity ?? UserIdentity(provider: UserIdentity.webhookProvider, subject: subject, userID: nil)
        if let userID = tombstone.$user.id, let user = try await User.find(userID, on: app.db) {
            let stream = try await Stream.query(on: app.db).filter(\.$user.$id == userID).first()
            if let stream { await Ingress.disconnect(stream, in: app) }
            try await user.delete(on: app.db)
            try await ImageUpload.removeIfUnused(user.avatar, kind: .avatars, in: app, on: app.db)
            try await ImageUpload.removeIfUnused(stream?.thumbnail, kind: .thumbnails, in: app, on: app.db)
            app.listings.invalidate()
        }
        tombstone.$user.id = nil
        tombstone.isDeleted = true
        try await tombstone.save(on: app.db)
    }

    // MARK: Deliveries seen

    /// Whether this `webhook-id` was applied already (a replay).
    static func hasSeen(_ messageID: String, on database: any Database) async throws -> Bool {
        try await ReceivedWebhook.query(on: database).filter(\.$messageID == messageID).first() != nil
    }

    /// Remembers an applied delivery and forgets those older than a day.
    static func remember(_ messageID: String, on database: any Database, now: Date = Date()) async throws {
        try await ReceivedWebhook.query(on: database).filter(\.$receivedAt < now.addingTimeInterval(-ReceivedWebhook.retention)).delete()
        do {
            try await ReceivedWebhook(messageID: messageID, receivedAt: now).create(on: database)
        } catch let error as any DatabaseError where error.isConstraintFailure {
            // The same delivery twice at once: both applied the same idempotent change.
        }
    }
}
