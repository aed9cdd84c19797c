import Fluent
import SQLKit

struct M0021_CreateWebhookDeliveries: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema(WebhookDelivery.schema)
            .id()
            .field("message_id", .string, .required)
            .field("received_at", .datetime, .required)
            .unique(on: "message_id")
            .create()
        // Pruning deletes by age.
        if let sql = database as? any SQLDatabase {
            try await sql.create(index: "webhook_deliveries_received_at").on(WebhookDelivery.schema).column("received_at").run()
        }
    }

    func revert(on database: any Database) async throws {
        try await database.schema(WebhookDelivery.schema).delete()
    }
}
