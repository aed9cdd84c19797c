import Fluent

struct M0060_AddPreferredProviderToUsers: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema(User.schema).field("preferred_provider", .string).update()
    }

    func revert(on database: any Database) async throws {
        try await database.schema(User.schema).deleteField("preferred_provider").update()
    }
}
