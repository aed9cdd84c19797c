import Fluent
import Foundation

/// One admin action: who did what to whom, and why.
final class AdminAuditEntry: Model, @unchecked Sendable {
    static let schema = "admin_audit"

    @ID(key: .id) var id: UUID?
    @OptionalField(key: "admin_id") var adminID: UUID?
    @Field(key: "admin_username") var adminUsername: String
    @Field(key: "action") var action: String
    @Field(key: "target_username") var targetUsername: String
    @OptionalField(key: "reason") var reason: String?
    @Timestamp(key: "created_at", on: .create) var createdAt: Date?

    init() {}

    init(admin: User?, action: AdminAudit.Action, target: String, reason: String? = nil) {
        self.adminID = admin?.id
        self.adminUsername = admin?.username ?? "(command line)"
        self.action = action.rawValue
        self.targetUsername = target
        self.reason = reason
    }
}
