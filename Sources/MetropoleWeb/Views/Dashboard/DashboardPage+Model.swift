import Foundation
import MetropoleMedia
import Vapor

/// The creator dashboard: one tab at a time of Stream, Keys, Chat and Community.
struct DashboardPageModel: Sendable {
    typealias Tab = SiteURL.DashboardTab

    var tab: Tab
    var username: String
    var title: String
    var isLive: Bool
    var thumbnailURL: String?
    var health: StreamHealthDTO
    /// The provider the creator streams through, and what an encoder needs for each protocol
    /// it takes (empty without a key).
    var providerName: String
    var isBuiltinProvider: Bool
    var ingress: [Ingress.Credentials]
    var streamKey: String?
    var playback: PlaybackURLs
    var chatEnabled: Bool
    var slowModeSeconds: Int
    var followersOnly: Bool
    var keepUploadedThumbnail: Bool
    var blocked: [String]
    /// A message for the visitor after a form post (e.g. an upload that was refused).
    var notice: String?
    /// The Webhooks tab: the creator's endpoints with their newest deliveries, and the secret
    /// of one just created (shown this once).
    var webhooks: [DashboardWebhook] = []
    var newWebhookSecret: String? = nil
    var webhookEvents: [String] = WebhookEventType.allCases.map(\.rawValue)
    /// The Videos tab: the recording switch, what the recorder says while live, the videos.
    var recording = DashboardRecording()

    static func load(owner: User, tab: Tab, notice: String? = nil, on request: Request) async throws -> DashboardPageModel {
        var model = try await loadWithoutRecording(owner: owner, tab: tab, notice: notice, on: request)
        model.health.recording = model.recording.state.rawValue
        model.health.recordingPausedReason = model.recording.pauseReason
        return model
    }

    private static func loadWithoutRecording(owner: User, tab: Tab, notice: String?, on request: Request) async throws -> DashboardPageModel {
        let stream = try await Channels.ownStream(of: owner, on: request.db)
        stream.$user.value = owner
        let blocked = tab == .community ? try await SocialGraph.blockedUsers(of: owner, on: request.db).map(\.username) : []
        return DashboardPageModel(
            tab: tab, username: owner.username, title: stream.title, isLive: stream.isLive,
            thumbnailURL: stream.thumbnail.map { SiteURL.thumbnail($0).path },
            health: StreamHealthDTO(live: request.application.live.directory.entry(streamID: try stream.requireID()),
                                    external: await request.application.live.external.session(streamID: try stream.requireID()),
                                    viewers: request.application.live.directory.viewers),
            providerName: request.application.providers.preferred(by: owner).definition.name,
            isBuiltinProvider: request.application.providers.preferred(by: owner) is BuiltinProvider,
            ingress: Ingress.all(of: stream, owner: owner, in: request.application),
            streamKey: stream.streamKey,
            playback: await Ingress.playback(of: stream, absolute: false, in: request.application),
            chatEnabled: stream.chatEnabled, slowModeSeconds: stream.slowModeSeconds, followersOnly: stream.followersOnly,
            keepUploadedThumbnail: stream.keepUploadedThumbnail,
            blocked: blocked, notice: notice,
            webhooks: tab == .webhooks ? try await DashboardWebhook.load(owner: owner, webhooks: request.application.webhooks) : [],
            recording: try await DashboardRecording.load(stream, owner: owner, withVideos: tab == .videos, in: request)
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
    /// `off`, `idle` (the next broadcast records), `recording` or `paused` (writes fail).
    var recording: String?
    var recordingPausedReason: String?

    /// From our hub while live on our ingest; on an external provider only what Metropole knows
    /// (live, since when).
    init(live entry: LiveDirectory.Entry?, external: ExternalSession? = nil, viewers: ViewerCounter) {
        guard let entry else {
            self.isLive = external != nil
            self.uptimeSeconds = external.map { Int(Date().timeIntervalSince($0.startedAt)) }
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

/// One endpoint as the Webhooks tab shows it.
struct DashboardWebhook: Sendable {
    var id: String
    var url: String
    var events: [String]
    var deliveries: [WebhooksAPIController.DeliveryDTO]

    static func load(owner: User, webhooks: OutboundWebhooks) async throws -> [DashboardWebhook] {
        var loaded: [DashboardWebhook] = []
        for endpoint in try await webhooks.endpoints(of: owner) {
            loaded.append(DashboardWebhook(
                id: try endpoint.requireID().uuidString, url: endpoint.url, events: endpoint.eventTypes.map(\.rawValue),
                deliveries: try await webhooks.recentDeliveries(of: endpoint, limit: 10).map(WebhooksAPIController.DeliveryDTO.init)))
        }
        return loaded
    }
}

extension SiteURL.DashboardTab {
    var label: String { self == .browser ? "Go live" : rawValue.prefix(1).uppercased() + rawValue.dropFirst() }
}
