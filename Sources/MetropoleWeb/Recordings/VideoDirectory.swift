import Fluent
import Foundation
import Vapor

/// Finding videos with the rules every entry point shares (API, pages, media files): only
/// complete recordings are shown; a suspended creator's videos, and every video of a creator
/// who blocks the viewer, are not found.
enum VideoDirectory {
    /// A channel's videos, newest first; 404 as for the channel itself.
    static func videos(ofChannel username: String, for viewer: User?, on database: any Database) async throws -> (Stream, [Video]) {
        let stream = try await Channels.visibleStream(named: username, for: viewer, on: database)
        let videos = try await Video.query(on: database)
            .filter(\.$stream.$id == stream.requireID())
            .filter(\.$statusName == Video.Status.complete.rawValue)
            .sort(\.$startedAt, .descending)
            .all()
        return (stream, videos)
    }

    /// One complete video with its stream and owner, whatever the viewer; 404 when unknown or
    /// its creator is suspended.
    static func video(_ id: String?, on database: any Database) async throws -> Video {
        guard let id = id.flatMap(UUID.init(uuidString:)),
              let video = try await Video.query(on: database)
                .filter(\.$id == id)
                .filter(\.$statusName == Video.Status.complete.rawValue)
                .with(\.$user)
                .with(\.$stream)
                .first(),
              video.user.suspendedAt == nil
        else { throw APIError.notFound("No video by that id.") }
        return video
    }

    /// A video as `viewer` may see it: 404 also when its creator blocks the viewer.
    static func visibleVideo(_ id: String?, for viewer: User?, on database: any Database) async throws -> Video {
        let video = try await video(id, on: database)
        guard try await !SocialGraph.isBlocked(viewer?.id, by: video.$user.id, on: database) else {
            throw APIError.notFound("No video by that id.")
        }
        return video
    }

    /// The owner's own video; another user's is 404.
    static func ownVideo(_ id: String?, of owner: User, on database: any Database) async throws -> Video {
        let video = try await video(id, on: database)
        guard video.$user.id == owner.id else { throw APIError.notFound("No video by that id.") }
        return video
    }

    static func rename(_ video: Video, to title: String, on database: any Database) async throws {
        video.title = try StreamSettingsUpdate.cleanTitle(title)
        try await video.save(on: database)
    }
}
