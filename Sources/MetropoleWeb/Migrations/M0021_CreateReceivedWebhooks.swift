import Fluent
import SQLKit

struct M0021_CreateReceivedWebhooks: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema(ReceivedWebhook.schema)
            .id()
            .field("message_id", .string, .required)
            .field("received_at", .datetime, .required)
            .unique(on: "message_id")
            .create()
        // Pruning deletes by age.
        if let sql = database as? any SQLDatabase {
            try await sql.create(index: "received_webhooks_received_at").on(ReceivedWebhook.schema).column("received_at").run()
        }
    }

    func revert(on database: any Database) async throws {
        try await database.schema(ReceivedWebhook.schema).delete()
    }
}
