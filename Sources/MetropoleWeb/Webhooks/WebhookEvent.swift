/// Outbound webhooks for integrators (issue 13): creators' and the operator's endpoints,
/// events queued in the database, signed per Standard Webhooks, delivered in order per
/// endpoint by `WebhookDeliveryWorker`. Nothing here runs on a request's path but the insert.
import Foundation

/// What an endpoint may subscribe to.
enum WebhookEventType: String, CaseIterable, Codable, Sendable {
    case streamOnline = "stream.online"
    case streamOffline = "stream.offline"
    case streamUpdated = "stream.updated"
    case followCreated = "follow.created"
    case userUpdated = "user.updated"

    /// The "Send test event" button's type; sent to one endpoint whatever it subscribes to.
    static let testType = "webhook.test"

    /// The types named in `names`, or the first unknown name.
    static func parse(_ names: [String]) -> Result<[WebhookEventType], UnknownName> {
        var types: [WebhookEventType] = []
        for name in names {
            guard let type = WebhookEventType(rawValue: name) else { return .failure(UnknownName(name: name)) }
            if !types.contains(type) { types.append(type) }
        }
        return .success(allCases.filter(types.contains))
    }

    struct UnknownName: Error, Equatable { var name: String }

    static var list: String { allCases.map(\.rawValue).joined(separator: ", ") }
}

/// The body of every delivery: `{"type", "timestamp", "data"}` (Standard Webhooks' shape).
struct WebhookPayload<Data: Encodable & Sendable>: Encodable, Sendable {
    var type: String
    var timestamp: Date
    var data: Data
}

/// A stream as the public API shows it (never its key).
struct WebhookStreamData: Codable, Sendable, Equatable {
    var username: String
    var title: String
    var isLive: Bool
    var startedAt: Date?
    var thumbnailUrl: String?
    var url: String
}

/// A user as the public API shows them.
struct WebhookUserData: Codable, Sendable, Equatable {
    var username: String
    var bio: String
    var avatarUrl: String?
    var url: String
}

struct WebhookFollowData: Codable, Sendable, Equatable {
    struct Party: Codable, Sendable, Equatable {
        var username: String
        var url: String
    }
    var follower: Party
    var followed: Party
    var followerCount: Int
}

struct WebhookTestData: Codable, Sendable, Equatable {
    var endpointId: UUID
    var message: String
}
