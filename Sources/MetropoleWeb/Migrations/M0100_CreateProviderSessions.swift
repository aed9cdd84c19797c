import Fluent

/// Sessions on external providers move from one node's memory to the shared database (0053).
struct M0100_CreateProviderSessions: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema(ProviderSession.schema)
            .field(.id, .uuid, .identifier(auto: false), .references(Stream.schema, .id, onDelete: .cascade))
            .field("provider", .string, .required)
            .field("username", .string, .required)
            .field("session_id", .string, .required)
            .field("key_digest", .string, .required)
            .field("started_at", .datetime, .required)
            .field("last_seen", .datetime, .required)
            .field("last_event_at", .datetime)
            .field("ended", .bool, .required)
            .create()
    }

    func revert(on database: any Database) async throws {
        try await database.schema(ProviderSession.schema).delete()
    }
}
