import Fluent
import Foundation

/// The log of admin actions: written by every action `Administration` performs, read by the
/// Admin page and `GET /api/v1/admin/audit`.
enum AdminAudit {
    enum Action: String, Sendable, CaseIterable {
        case grant
        case revoke
        case endStream = "end_stream"
        case suspend
        case unsuspend
    }

    static func record(_ action: Action, by admin: User?, target: String, reason: String? = nil, on database: any Database) async throws {
        try await AdminAuditEntry(admin: admin, action: action, target: target, reason: reason).create(on: database)
    }

    static func recent(limit: Int, on database: any Database) async throws -> [AdminAuditEntry] {
        try await AdminAuditEntry.query(on: database).sort(\.$createdAt, .descending).limit(limit).all()
    }
}
