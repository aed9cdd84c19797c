import Vapor

/// What the Admin page shows: live streams now, users matching the search, recent actions.
struct AdminPageModel: Sendable {
    var streams: [Administration.LiveStream]
    var users: [AdminAPIController.AdminUserDTO]
    var search: String?
    var audit: [AdminAPIController.AuditEntryDTO]
    var notice: String?

    static func load(_ request: Request, notice: String? = nil) async throws -> AdminPageModel {
        let search = (try? request.query.get(String.self, at: "q"))?.trimmingCharacters(in: .whitespaces)
        let users = try await Administration.users(matching: search, suspendedOnly: false, limit: 50, on: request.db)
        return try await AdminPageModel(
            streams: Administration.liveStreams(in: request.application),
            users: AdminAPIController.dtos(users, on: request.db),
            search: search?.isEmpty == true ? nil : search,
            audit: AdminAudit.recent(limit: 50, on: request.db).map(AdminAPIController.AuditEntryDTO.init),
            notice: notice
        )
    }
}
