import Fluent
import Foundation

/// Where an integrator wants events: a creator's own endpoint (`owner` set), or one of the
/// operator's site-wide endpoints (`owner` nil, kept in step with METROPOLE_SITE_WEBHOOKS_FILE).
final class WebhookEndpoint: Model, @unchecked Sendable {
    static let schema = "webhook_endpoints"

    @ID(key: .id) var id: UUID?
    @OptionalParent(key: "owner_id") var owner: User?
    @Field(key: "url") var url: String
    /// Event types, comma-separated (`WebhookEventType` raw values).
    @Field(key: "events") var events: String
    /// The `whsec_…` secret sealed with the data dir's key (`WebhookSecretBox`).
    @Field(key: "sealed_secret") var sealedSecret: String
    @Timestamp(key: "created_at", on: .create) var createdAt: Date?
    @Timestamp(key: "updated_at", on: .update) var updatedAt: Date?

    init() {}

    init(ownerID: UUID?, url: String, events: [WebhookEventType], sealedSecret: String) {
        self.$owner.id = ownerID
        self.url = url
        self.eventTypes = events
        self.sealedSecret = sealedSecret
    }

    var eventTypes: [WebhookEventType] {
        get { events.split(separator: ",").compactMap { WebhookEventType(rawValue: String($0)) } }
        set { events = newValue.map(\.rawValue).joined(separator: ",") }
    }

    func wants(_ type: WebhookEventType) -> Bool { eventTypes.contains(type) }
}
