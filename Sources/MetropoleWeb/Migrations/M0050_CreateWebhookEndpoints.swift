import Fluent
import SQLKit

struct M0050_CreateWebhookEndpoints: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema(WebhookEndpoint.schema)
            .id()
            .field("owner_id", .uuid, .references(User.schema, .id, onDelete: .cascade))
            // TEXT: URLs and sealed secrets may pass MySQL's VARCHAR(255).
            .field("url", .custom(SQLRaw("TEXT")), .required)
            .field("events", .string, .required)
            .field("sealed_secret", .custom(SQLRaw("TEXT")), .required)
            .field("created_at", .datetime)
            .field("updated_at", .datetime)
            .create()
    }

    func revert(on database: any Database) async throws {
        try await database.schema(WebhookEndpoint.schema).delete()
    }
}
