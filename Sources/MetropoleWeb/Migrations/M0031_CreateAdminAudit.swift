import Fluent

/// `admin_audit`: one row per admin action. Names are copied in, so the log reads the same
/// whatever later happens to the accounts.
struct M0031_CreateAdminAudit: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema(AdminAuditEntry.schema)
            .id()
            .field("admin_id", .uuid)
            .field("admin_username", .string, .required)
            .field("action", .string, .required)
            .field("target_username", .string, .required)
            .field("reason", .string)
            .field("created_at", .datetime)
            .create()
    }

    func revert(on database: any Database) async throws {
        try await database.schema(AdminAuditEntry.schema).delete()
    }
}
