import Fluent

struct M0070_CreateVideos: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema(Video.schema)
            .id()
            .field("stream_id", .uuid, .required, .references(Stream.schema, .id, onDelete: .cascade))
            .field("user_id", .uuid, .required, .references(User.schema, .id, onDelete: .cascade))
            .field("title", .string, .required)
            .field("started_at", .datetime, .required)
            .field("duration_ms", .int64, .required)
            .field("byte_count", .int64, .required)
            .field("status", .string, .required)
            .field("has_gaps", .bool, .required)
            .field("created_at", .datetime)
            .create()
    }

    func revert(on database: any Database) async throws {
        try await database.schema(Video.schema).delete()
    }
}
