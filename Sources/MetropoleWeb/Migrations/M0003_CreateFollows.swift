import Fluent

struct M0003_CreateFollows: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema(Follow.schema)
            .id()
            .field("follower_id", .uuid, .required, .references(User.schema, .id, onDelete: .cascade))
            .field("followed_id", .uuid, .required, .references(User.schema, .id, onDelete: .cascade))
            .field("created_at", .datetime)
            .unique(on: "follower_id", "followed_id")
            .create()
    }

    func revert(on database: any Database) async throws {
        try await database.schema(Follow.schema).delete()
    }
}
