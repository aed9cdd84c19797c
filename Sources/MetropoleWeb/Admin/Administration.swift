import Fluent
import Foundation
import Vapor

/// Site administration: the admin role, ending streams, suspending accounts. The API and the
/// Admin page both call these, and every one is recorded in `AdminAudit`. Nothing here deletes.
enum Administration {
    static let suspensionReasonLengths = 1...500

    /// The signed-in admin, or 401 (no session) / 403 (not an admin). Every admin route starts here.
    static func requireAdmin(_ request: Request) throws -> User {
        let user = try request.requireUser()
        guard user.isAdmin else { throw APIError.forbidden("Only admins may do this.", code: "not_admin") }
        return user
    }

    /// The account named `username`, suspended or not, or 404.
    static func user(named username: String, on database: any Database) async throws -> User {
        guard let user = try await User.query(on: database).filter(\.$usernameKey == Username.key(username)).first() else {
            throw APIError.notFound("No user by that name.")
        }
        return user
    }

    /// `metropole admin grant|revoke`: the role is given only from the command line.
    static func setRole(_ role: UserRole, of username: String, on database: any Database) async throws -> User {
        let user = try await user(named: username, on: database)
        user.roleName = role == .creator ? nil : role.rawValue
        try await user.save(on: database)
        try await AdminAudit.record(role == .admin ? .grant : .revoke, by: nil, target: user.username, on: database)
        return user
    }

    /// Cuts the publisher off and removes the stream key, so that key is refused until the
    /// creator makes a new one.
    static func endStream(of username: String, by admin: User, in app: Application) async throws {
        let owner = try await user(named: username, on: app.db)
        try await Ingress.remove(for: owner, in: app)
        try await AdminAudit.record(.endStream, by: admin, target: owner.username, on: app.db)
    }

    static func suspend(_ username: String, reason: String, by admin: User, in app: Application) async throws -> User {
        let reason = reason.trimmingCharacters(in: .whitespacesAndNewlines)
        guard suspensionReasonLengths.contains(reason.count) else {
            throw APIError.validation("Give a reason of 1–500 characters.", code: "invalid_reason")
        }
        let user = try await user(named: username, on: app.db)
        guard user.id != admin.id else { throw APIError.validation("You cannot suspend yourself.", code: "cannot_suspend_self") }
        user.suspendedAt = Date()
        user.suspensionReason = reason
        try await user.save(on: app.db)
        try await AdminAudit.record(.suspend, by: admin, target: user.username, reason: reason, on: app.db)
        await cutOff(user, in: app)
        return user
    }

    static func unsuspend(_ username: String, by admin: User, in app: Application) async throws -> User {
        let user = try await user(named: username, on: app.db)
        user.suspendedAt = nil
        user.suspensionReason = nil
        try await user.save(on: app.db)
        try await AdminAudit.record(.unsuspend, by: admin, target: user.username, on: app.db)
        app.listings.invalidate()
        return user
    }

    /// What a suspension stops at once: the stream (on our ingest and any provider), every chat
    /// and player the user has open, and the channel in listings and cached pages. Sessions stop
    /// resolving in `SessionAuthenticator`; the key is refused by the authorizers.
    private static func cutOff(_ user: User, in app: Application) async {
        if let stream = try? await Channels.ownStream(of: user, on: app.db) {
            await Ingress.disconnect(stream, in: app)
        }
        if let id = user.id {
            app.ejections.ejectEverywhere(viewerID: id, reason: .suspended)
        }
        app.listings.invalidate()
    }

    /// Users by name (contains, case-insensitive), at most `limit`.
    static func users(matching term: String?, suspendedOnly: Bool, limit: Int = 100, on database: any Database) async throws -> [User] {
        let query = User.query(on: database).sort(\.$usernameKey).limit(limit)
        if let term = term?.trimmingCharacters(in: .whitespaces), !term.isEmpty {
            query.filter(\.$usernameKey ~~ Username.key(term))
        }
        if suspendedOnly { query.filter(\.$suspendedAt != nil) }
        return try await query.all()
    }

    struct LiveStream: Sendable {
        var username: String
        var title: String
        var ingestProtocol: String?
        var provider: String
        var startedAt: Date?
        var viewerCount: Int
        var bitrate: Int?
    }

    /// Every stream live now, on our ingest or a provider.
    static func liveStreams(in app: Application) async throws -> [LiveStream] {
        let streams = try await Stream.query(on: app.db).filter(\.$isLive == true).with(\.$user).all()
        let directory = app.live.directory
        return streams.map { stream in
            let entry = stream.id.flatMap { directory.entry(streamID: $0) }
            return LiveStream(
                username: stream.user.username, title: stream.title, ingestProtocol: stream.ingressProtocol,
                provider: stream.user.preferredProvider ?? ProviderDefinition.builtin.id, startedAt: stream.startedAt,
                viewerCount: directory.viewers.count(username: stream.user.username), bitrate: entry?.hub.stats.bitrate
            )
        }.sorted { $0.viewerCount > $1.viewerCount }
    }
}
