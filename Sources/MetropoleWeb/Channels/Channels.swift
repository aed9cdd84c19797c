import Fluent
import Foundation
import Vapor

/// A channel's stream: finding it with the rules every entry point shares, and changing it.
/// API and page controllers both call these; neither calls the other.
enum Channels {
    /// The user's own stream, or 404.
    static func ownStream(of user: User, on database: any Database) async throws -> Stream {
        guard let stream = try await Stream.query(on: database).filter(\.$user.$id == user.requireID()).first() else {
            throw APIError.notFound("You have no stream.")
        }
        return stream
    }

    /// The stream of `username` with its owner, without the visibility rule: for the player
    /// and chat, where a blocked viewer is told so (403, `ChannelAccess`) rather than 404.
    /// A suspended owner's channel is 404 to everyone.
    static func stream(named username: String, on database: any Database) async throws -> Stream {
        guard let stream = try await Stream.query(on: database)
            .join(User.self, on: \Stream.$user.$id == \User.$id)
            .filter(User.self, \.$usernameKey == Username.key(username))
            .filter(User.self, \.$suspendedAt == nil)
            .with(\.$user)
            .first()
        else { throw APIError.notFound("No channel by that name.") }
        return stream
    }

    /// The stream of `username` as `viewer` may see it: 404 when unknown or when its owner
    /// blocks the viewer (a blocked user cannot even tell the channel exists).
    static func visibleStream(named username: String, for viewer: User?, on database: any Database) async throws -> Stream {
        let stream = try await stream(named: username, on: database)
        guard try await !SocialGraph.isBlocked(viewer?.id, by: stream.$user.id, on: database) else {
            throw APIError.notFound("No channel by that name.")
        }
        return stream
    }

    /// Applies a title or chat settings change: validated, saved, listings refreshed, open
    /// chats told at once.
    static func update(_ stream: Stream, with update: StreamSettingsUpdate, in app: Application) async throws {
        try await update.apply(to: stream, on: app.db)
        app.listings.invalidate()
        app.streamSettingsObservers.notify(stream)
        try await app.webhooks.stream(.streamUpdated, streamID: stream.requireID())
    }

    /// Stores a new card picture for the owner's stream; returns its file name.
    static func replaceThumbnail(of owner: User, with bytes: ByteBuffer, in app: Application) async throws -> String {
        let stream = try await ownStream(of: owner, on: app.db)
        return try await ImageUpload.replace(stream.thumbnail, with: bytes, as: .thumbnails, in: app) { name in
            stream.thumbnail = name
            try await stream.save(on: app.db)
            await app.webhooks.stream(.streamUpdated, stream, owner: owner)
        }
    }
}
