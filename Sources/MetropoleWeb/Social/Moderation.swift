import Fluent
import Foundation
import Vapor

/// Kicks: a streamer removes a viewer from their channel for a while. Enforced wherever the
/// viewer connects (player, chat) and applied at once to open connections via `Ejections`.
enum Moderation {
    static let defaultKickSeconds = 600
    static let kickSecondsRange = 1...(7 * 24 * 3600)

    /// Records (or extends) the kick and ejects the viewer now.
    static func kick(_ viewer: User, fromChannelOf owner: User, seconds: Int, on request: Request) async throws {
        let ownerID = try owner.requireID(), viewerID = try viewer.requireID()
        let expiresAt = Date().addingTimeInterval(TimeInterval(seconds))
        if let existing = try await Kick.query(on: request.db)
            .filter(\.$channelOwner.$id == ownerID).filter(\.$user.$id == viewerID).first() {
            existing.expiresAt = expiresAt
            try await existing.save(on: request.db)
        } else {
            try await Kick(channelOwnerID: ownerID, userID: viewerID, expiresAt: expiresAt).create(on: request.db)
        }
        request.application.ejections.eject(viewerID: viewerID, fromChannelOf: ownerID, reason: .kicked)
    }

    /// Whether `viewer` is currently kicked from the channel of `ownerID`.
    static func isKicked(_ viewer: User?, fromChannelOf ownerID: UUID, on database: any Database) async throws -> Bool {
        guard let viewerID = viewer?.id else { return false }
        return try await Kick.query(on: database)
            .filter(\.$channelOwner.$id == ownerID)
            .filter(\.$user.$id == viewerID)
            .filter(\.$expiresAt > Date())
            .first() != nil
    }
}
