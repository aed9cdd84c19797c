import Fluent

struct M0001_CreateUsers: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema(User.schema)
            .id()
            .field("username", .string, .required)
            .field("username_key", .string, .required)
            .field("password_hash", .string, .required)
            .field("bio", .string, .required)
            .field("avatar", .string)
            .field("created_at", .datetime)
            .field("updated_at", .datetime)
            .unique(on: "username_key")
            .create()
    }

    func revert(on database: any Database) async throws {
        try await database.schema(User.schema).delete()
    }
}
