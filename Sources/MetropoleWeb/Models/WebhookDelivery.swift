import Fluent
import Foundation

/// One event on its way to one endpoint: queued in the database so it survives a restart,
/// attempted in `sequence` order per endpoint (`WebhookDeliveryWorker`).
final class WebhookDelivery: Model, @unchecked Sendable {
    static let schema = "webhook_deliveries"

    enum Status: String, Codable, Sendable, CaseIterable { case pending, delivered, failed }

    @ID(key: .id) var id: UUID?
    @Parent(key: "endpoint_id") var endpoint: WebhookEndpoint
    /// `webhook-id`: the same on every attempt, so receivers can drop repeats.
    @Field(key: "message_id") var messageID: String
    @Field(key: "event_type") var eventType: String
    /// The exact bytes signed and sent, fixed when the event happened.
    @Field(key: "payload") var payload: String
    /// Queue order: increasing in the order events were enqueued (`WebhookSequence`).
    @Field(key: "sequence") var sequence: Int64
    @Field(key: "status") var statusName: String
    @Field(key: "attempts") var attempts: Int
    @Field(key: "next_attempt_at") var nextAttemptAt: Date
    @OptionalField(key: "last_attempt_at") var lastAttemptAt: Date?
    @OptionalField(key: "last_status_code") var lastStatusCode: Int?
    @OptionalField(key: "last_error") var lastError: String?
    @Field(key: "created_at") var createdAt: Date
    @OptionalField(key: "delivered_at") var deliveredAt: Date?

    init() {}

    var status: Status {
        get { Status(rawValue: statusName) ?? .failed }
        set { statusName = newValue.rawValue }
    }

    init(endpointID: UUID, messageID: String, eventType: String, payload: String, sequence: Int64, at now: Date) {
        self.$endpoint.id = endpointID
        self.messageID = messageID
        self.eventType = eventType
        self.payload = payload
        self.sequence = sequence
        self.statusName = Status.pending.rawValue
        self.attempts = 0
        self.nextAttemptAt = now
        self.createdAt = now
    }
}
