import Foundation
import MetropoleMedia
import Vapor

/// The creator dashboard: stream health while live, and the ingress keys.
struct DashboardPageModel: Sendable {
    var username: String
    var title: String
    var isLive: Bool
    var health: StreamHealthDTO
    var serverURL: String
    var streamKey: String?

    static func load(owner: User, on request: Request) async throws -> DashboardPageModel {
        let stream = try await IngressAPIController.ownStream(of: owner, on: request.db)
        return DashboardPageModel(
            username: owner.username, title: stream.title, isLive: stream.isLive,
            health: StreamHealthDTO(live: request.application.live.directory.entry(streamID: try stream.requireID()),
                                    viewers: request.application.live.directory.viewers),
            serverURL: IngressAPIController.rtmpServerURL(request.application),
            streamKey: stream.streamKey
        )
    }
}

/// What the dashboard shows about a running broadcast — what OBS users ask for.
struct StreamHealthDTO: Content {
    var isLive: Bool
    var videoCodec: String?
    var audioCodec: String?
    var width: Int?
    var height: Int?
    var frameRate: Double?
    var bitrate: Int?
    var keyframeInterval: Double?
    var uptimeSeconds: Int?
    var viewerCount: Int

    init(live entry: LiveDirectory.Entry?, viewers: ViewerCounter) {
        guard let entry else {
            self.isLive = false
            self.viewerCount = 0
            return
        }
        let stats = entry.hub.stats
        self.isLive = true
        self.videoCodec = stats.videoCodec
        self.audioCodec = stats.audioCodec
        self.width = stats.width
        self.height = stats.height
        self.frameRate = stats.frameRate.map { ($0 * 100).rounded() / 100 }
        self.bitrate = stats.bitrate
        self.keyframeInterval = stats.keyframeInterval.map { ($0 * 100).rounded() / 100 }
        self.uptimeSeconds = Int(Date().timeIntervalSince(entry.startedAt))
        self.viewerCount = viewers.count(username: entry.username)
    }
}
