import Fluent

struct M0005_CreateAuthTokens: AsyncMigration {
    func prepare(on database: any Database) async throws {
        // A plain string column instead of a database enum: the same on SQLite, MySQL and PostgreSQL.
        try await database.schema(AuthToken.schema)
            .id()
            .field("user_id", .uuid, .required, .references(User.schema, .id, onDelete: .cascade))
            .field("token_hash", .string, .required)
            .field("kind", .string, .required)
            .field("expires_at", .datetime, .required)
            .field("created_at", .datetime)
            .unique(on: "token_hash")
            .create()
    }

    func revert(on database: any Database) async throws {
        try await database.schema(AuthToken.schema).delete()
    }
}
