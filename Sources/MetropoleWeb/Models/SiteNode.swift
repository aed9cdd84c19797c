import Fluent
import Foundation

/// One running process of the site (`NodeRegistry`): where players and publishers reach it,
/// how many streams it takes, and when it last said it was alive.
final class SiteNode: Model, @unchecked Sendable {
    static let schema = "nodes"

    @ID(key: .id) var id: UUID?
    @Field(key: "role") var role: String
    /// The base URL players and CDNs use (`METROPOLE_NODE_URL`).
    @Field(key: "url") var url: String
    /// `rtmp://host:port/live` when it takes RTMP publishers.
    @OptionalField(key: "rtmp_url") var rtmpURL: String?
    @Field(key: "capacity") var capacity: Int
    /// Live streams it holds now.
    @Field(key: "streams") var streams: Int
    @Field(key: "heartbeat_at") var heartbeatAt: Date
    @Field(key: "started_at") var startedAt: Date

    init() {}

    init(id: UUID, role: NodeRole, url: String, rtmpURL: String?, capacity: Int, now: Date) {
        self.id = id
        self.role = role.rawValue
        self.url = url
        self.rtmpURL = rtmpURL
        self.capacity = capacity
        self.streams = 0
        self.heartbeatAt = now
        self.startedAt = now
    }

    var nodeRole: NodeRole { NodeRole(rawValue: role) ?? .all }
}
