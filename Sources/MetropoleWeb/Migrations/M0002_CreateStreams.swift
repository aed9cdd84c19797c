import Fluent

struct M0002_CreateStreams: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema(Stream.schema)
            .id()
            .field("user_id", .uuid, .required, .references(User.schema, .id, onDelete: .cascade))
            .field("title", .string, .required)
            .field("thumbnail", .string)
            .field("is_live", .bool, .required)
            .field("started_at", .datetime)
            .field("chat_enabled", .bool, .required)
            .field("slow_mode_seconds", .int, .required)
            .field("followers_only", .bool, .required)
            .field("created_at", .datetime)
            .field("updated_at", .datetime)
            .unique(on: "user_id")
            .create()
    }

    func revert(on database: any Database) async throws {
        try await database.schema(Stream.schema).delete()
    }
}
