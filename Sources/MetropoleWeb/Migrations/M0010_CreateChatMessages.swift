import Fluent
import SQLKit

struct M0010_CreateChatMessages: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema(ChatMessage.schema)
            .id()
            .field("channel_owner_id", .uuid, .required, .references(User.schema, .id, onDelete: .cascade))
            .field("user_id", .uuid, .required, .references(User.schema, .id, onDelete: .cascade))
            .field("username", .string, .required)
            .field("text", .string, .required)
            .field("is_streamer", .bool, .required)
            .field("sent_at", .datetime, .required)
            .create()
        // History is always "the newest messages of one channel".
        if let sql = database as? any SQLDatabase {
            try await sql.create(index: "chat_messages_channel_sent_at")
                .on(ChatMessage.schema).column("channel_owner_id").column("sent_at").run()
        }
    }

    func revert(on database: any Database) async throws {
        try await database.schema(ChatMessage.schema).delete()
    }
}
