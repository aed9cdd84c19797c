import Fluent

struct M0020_CreateUserIdentities: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema(UserIdentity.schema)
            .id()
            .field("provider", .string, .required)
            .field("subject", .string, .required)
            .field("user_id", .uuid, .references(User.schema, .id, onDelete: .setNull))
            .field("last_event_at", .int64)
            .field("image_source", .string)
            .field("is_deleted", .bool, .required)
            .field("created_at", .datetime)
            .field("updated_at", .datetime)
            .unique(on: "provider", "subject")
            .create()
    }

    func revert(on database: any Database) async throws {
        try await database.schema(UserIdentity.schema).delete()
    }
}
