import Fluent
import Foundation

/// The one channel a user broadcasts on: its title, live state and chat settings.
final class Stream: Model, @unchecked Sendable {
    static let schema = "streams"

    @ID(key: .id) var id: UUID?
    @Parent(key: "user_id") var user: User
    @Field(key: "title") var title: String
    /// File name of the thumbnail in the data dir's upload folder.
    @OptionalField(key: "thumbnail") var thumbnail: String?
    @Field(key: "is_live") var isLive: Bool
    @OptionalField(key: "started_at") var startedAt: Date?
    @Field(key: "chat_enabled") var chatEnabled: Bool
    @Field(key: "slow_mode_seconds") var slowModeSeconds: Int
    @Field(key: "followers_only") var followersOnly: Bool
    /// `rtmp` once the owner generated an ingress; nil before.
    @OptionalField(key: "ingress_protocol") var ingressProtocol: String?
    /// The secret stream key, shown to its owner only.
    @OptionalField(key: "stream_key") var streamKey: String?
    /// SHA-256 of the key: ingest finds the stream by digest, then compares the key itself in
    /// constant time.
    @OptionalField(key: "stream_key_digest") var streamKeyDigest: String?
    /// The provider's own handle on this stream's ingest, where it issues keys (LiveKit's
    /// ingress id).
    @OptionalField(key: "provider_ingress") var providerIngress: String?
    /// The uploaded thumbnail stays on cards while live, instead of frames of the stream.
    @Field(key: "keep_uploaded_thumbnail") var keepUploadedThumbnail: Bool
    /// Whether broadcasts are recorded as videos (on unless the creator turns it off).
    @Field(key: "record") var record: Bool
    /// The node whose ingest holds it while live (`Node`); nil for external providers.
    @OptionalField(key: "live_node") var liveNode: UUID?
    @Timestamp(key: "created_at", on: .create) var createdAt: Date?
    @Timestamp(key: "updated_at", on: .update) var updatedAt: Date?

    init() {}

    init(userID: UUID, title: String) {
        self.$user.id = userID
        self.title = title
        self.isLive = false
        self.chatEnabled = true
        self.slowModeSeconds = 0
        self.followersOnly = false
        self.keepUploadedThumbnail = false
        self.record = true
    }

    static func defaultTitle(for username: String) -> String { "\(username)'s stream" }
}
