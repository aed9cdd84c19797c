import Fluent

/// `users.role` (nil: a creator, `admin`: an operator), `suspended_at` and `suspension_reason`.
/// One column per statement: SQLite alters a table one column at a time.
struct M0030_AddRoleAndSuspensionToUsers: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema(User.schema).field("role", .string).update()
        try await database.schema(User.schema).field("suspended_at", .datetime).update()
        try await database.schema(User.schema).field("suspension_reason", .string).update()
    }

    func revert(on database: any Database) async throws {
        try await database.schema(User.schema).deleteField("suspension_reason").update()
        try await database.schema(User.schema).deleteField("suspended_at").update()
        try await database.schema(User.schema).deleteField("role").update()
    }
}
