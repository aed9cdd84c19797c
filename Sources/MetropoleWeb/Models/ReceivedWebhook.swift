import Fluent
import Foundation

/// A signed webhook message already applied (its `webhook-id`): a replay is acknowledged and
/// ignored. Rows older than a day go; by then the signature's timestamp refuses it anyway.
final class ReceivedWebhook: Model, @unchecked Sendable {
    static let schema = "received_webhooks"
    static let retention: TimeInterval = 24 * 3600

    @ID(key: .id) var id: UUID?
    @Field(key: "message_id") var messageID: String
    @Field(key: "received_at") var receivedAt: Date

    init() {}

    init(messageID: String, receivedAt: Date) {
        self.messageID = messageID
        self.receivedAt = receivedAt
    }
}
