import Fluent
import SQLKit

struct M0051_CreateWebhookDeliveries: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema(WebhookDelivery.schema)
            .id()
            .field("endpoint_id", .uuid, .required, .references(WebhookEndpoint.schema, .id, onDelete: .cascade))
            .field("message_id", .string, .required)
            .field("event_type", .string, .required)
            .field("payload", .custom(SQLRaw("TEXT")), .required)
            .field("sequence", .int64, .required)
            .field("status", .string, .required)
            .field("attempts", .int, .required)
            .field("next_attempt_at", .datetime, .required)
            .field("last_attempt_at", .datetime)
            .field("last_status_code", .int)
            .field("last_error", .string)
            .field("created_at", .datetime, .required)
            .field("delivered_at", .datetime)
            .create()
        // The worker asks for the oldest pending delivery of each endpoint; the dashboard for
        // an endpoint's newest.
        if let sql = database as? any SQLDatabase {
            try await sql.create(index: "webhook_deliveries_status_sequence")
                .on(WebhookDelivery.schema).column("status").column("sequence").run()
            try await sql.create(index: "webhook_deliveries_endpoint_sequence")
                .on(WebhookDelivery.schema).column("endpoint_id").column("sequence").run()
        }
    }

    func revert(on database: any Database) async throws {
        try await database.schema(WebhookDelivery.schema).delete()
    }
}
