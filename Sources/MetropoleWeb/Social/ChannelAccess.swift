import Fluent
import Foundation

/// Who may watch and chat on a channel: nobody the streamer blocks or has kicked. Checked once
/// before a player or chat socket opens (403 with the reason, so the client can say why) and
/// applied to sockets already open by `Ejections`.
enum ChannelAccess {
    static func check(_ viewer: User?, onChannelOf ownerID: UUID, on database: any Database) async throws {
        if try await SocialGraph.isBlocked(viewer?.id, by: ownerID, on: database) {
            throw APIError.forbidden("The streamer has blocked you.", code: "blocked")
        }
        if try await Moderation.isKicked(viewer, fromChannelOf: ownerID, on: database) {
            throw APIError.forbidden("The streamer removed you from this channel for a while.", code: "kicked")
        }
    }
}
