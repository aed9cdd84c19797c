import Fluent
import SQLKit

/// The node registry, the stream → node link, and the events table MySQL/MariaDB nodes poll
/// (created on every backend; only MySQL's transport writes to it).
struct M0090_CreateNodes: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema(SiteNode.schema)
            .id()
            .field("role", .string, .required)
            .field("url", .string, .required)
            .field("rtmp_url", .string)
            .field("capacity", .int, .required)
            .field("streams", .int, .required)
            .field("heartbeat_at", .datetime, .required)
            .field("started_at", .datetime, .required)
            .create()
        try await database.schema(Stream.schema)
            .field("live_node", .uuid)
            .update()
        try await database.schema(TableEventTransport.table)
            .field("id", .int64, .identifier(auto: true))
            .field("payload", .custom(SQLRaw("TEXT")), .required)
            .field("created_at", .datetime, .required)
            .create()
    }

    func revert(on database: any Database) async throws {
        try await database.schema(TableEventTransport.table).delete()
        try await database.schema(Stream.schema).deleteField("live_node").update()
        try await database.schema(SiteNode.schema).delete()
    }
}
