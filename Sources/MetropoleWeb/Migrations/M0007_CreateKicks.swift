import Fluent

struct M0007_CreateKicks: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema(Kick.schema)
            .id()
            .field("channel_owner_id", .uuid, .required, .references(User.schema, .id, onDelete: .cascade))
            .field("user_id", .uuid, .required, .references(User.schema, .id, onDelete: .cascade))
            .field("expires_at", .datetime, .required)
            .field("created_at", .datetime)
            .unique(on: "channel_owner_id", "user_id")
            .create()
    }

    func revert(on database: any Database) async throws {
        try await database.schema(Kick.schema).delete()
    }
}
