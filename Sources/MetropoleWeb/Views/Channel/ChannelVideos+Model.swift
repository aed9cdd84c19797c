import Foundation
import Vapor

/// A recorded broadcast as pages show it.
struct VideoCard: Sendable {
    var id: String
    var username: String
    var title: String
    var startedAt: Date
    var durationMilliseconds: Int64
    var thumbnailURL: String?

    init(_ video: Video, username: String, thumbnail: String?) throws {
        id = try video.requireID().uuidString.lowercased()
        self.username = username
        title = video.title
        startedAt = video.startedAt
        durationMilliseconds = video.durationMilliseconds
        thumbnailURL = thumbnail.map { SiteURL.thumbnail($0).path }
    }

    /// `1:02:03` or `4:05`.
    var durationText: String {
        let seconds = Int(durationMilliseconds / 1000)
        let (hours, minutes, rest) = (seconds / 3600, seconds / 60 % 60, seconds % 60)
        let padded = { (value: Int) in value < 10 ? "0\(value)" : "\(value)" }
        return hours > 0 ? "\(hours):\(padded(minutes)):\(padded(rest))" : "\(minutes):\(padded(rest))"
    }

    /// `3 Dec 2026, 14:05 UTC`.
    var dateText: String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "d MMM yyyy, HH:mm 'UTC'"
        return formatter.string(from: startedAt)
    }

    var isoDate: String { ISO8601DateFormatter().string(from: startedAt) }
}

/// The channel's Videos tab: the channel header and its past broadcasts, newest first.
struct ChannelVideosModel: Sendable {
    var channel: ChannelPageModel
    var videos: [VideoCard]

    static func load(username: String, on request: Request) async throws -> ChannelVideosModel {
        let channel = try await ChannelPageModel.load(username: username, on: request)
        let (stream, videos) = try await VideoDirectory.videos(ofChannel: username, for: request.currentUser, on: request.db)
        return ChannelVideosModel(channel: channel,
                                  videos: try videos.map { try VideoCard($0, username: channel.username, thumbnail: stream.thumbnail) })
    }
}
