import Fluent
import Vapor

/// `/api/v1/admin/…`: live streams, ending one, users, suspensions, the audit log. Every
/// handler checks the admin role first (`Administration.requireAdmin`).
enum AdminAPIController {
    struct AdminUserDTO: Content {
        var id: UUID
        var username: String
        var role: String
        var createdAt: Date?
        var suspendedAt: Date?
        var suspensionReason: String?
        var isLive: Bool

        init(_ user: User, isLive: Bool) throws {
            id = try user.requireID()
            username = user.username
            role = user.role.rawValue
            createdAt = user.createdAt
            suspendedAt = user.suspendedAt
            suspensionReason = user.suspensionReason
            self.isLive = isLive
        }
    }

    struct AdminUserEnvelope: Content {
        var user: AdminUserDTO
    }

    struct AdminStreamDTO: Content {
        var username: String
        var title: String
        var `protocol`: String?
        var provider: String
        var startedAt: Date?
        var viewerCount: Int
        var bitrate: Int?

        init(_ live: Administration.LiveStream) {
            username = live.username
            title = live.title
            self.protocol = live.ingestProtocol
            provider = live.provider
            startedAt = live.startedAt
            viewerCount = live.viewerCount
            bitrate = live.bitrate
        }
    }

    struct AuditEntryDTO: Content {
        var id: UUID
        var admin: String
        var action: String
        var target: String
        var reason: String?
        var at: Date

        init(_ entry: AdminAuditEntry) throws {
            id = try entry.requireID()
            admin = entry.adminUsername
            action = entry.action
            target = entry.targetUsername
            reason = entry.reason
            at = entry.createdAt ?? Date(timeIntervalSince1970: 0)
        }
    }

    struct SuspendRequest: Content {
        var reason: String
    }

    struct NodeDTO: Content {
        var id: UUID
        var role: String
        var url: String
        var rtmpUrl: String?
        var capacity: Int
        var streams: Int
        var isThisNode: Bool
    }

    /// The registry as this node read it at its last heartbeat.
    @Sendable static func nodes(request: Request) async throws -> [NodeDTO] {
        _ = try Administration.requireAdmin(request)
        let app = request.application
        return app.nodes.peers.sorted { ($0.role.rawValue, $0.url.absoluteString) < ($1.role.rawValue, $1.url.absoluteString) }.map {
            NodeDTO(id: $0.id, role: $0.role.rawValue, url: $0.url.absoluteString, rtmpUrl: $0.rtmpURL, capacity: $0.capacity,
                    streams: $0.streams, isThisNode: $0.id == app.cluster.nodeID)
        }
    }

    @Sendable static func streams(request: Request) async throws -> [AdminStreamDTO] {
        _ = try Administration.requireAdmin(request)
        return try await Administration.liveStreams(in: request.application).map(AdminStreamDTO.init)
    }

    @Sendable static func endStream(request: Request) async throws -> HTTPStatus {
        let admin = try Administration.requireAdmin(request)
        try await Administration.endStream(of: request.parameters.get("username") ?? "", by: admin, in: request.application)
        return .noContent
    }

    @Sendable static func users(request: Request) async throws -> [AdminUserDTO] {
        _ = try Administration.requireAdmin(request)
        let users = try await Administration.users(
            matching: try? request.query.get(String.self, at: "q"),
            suspendedOnly: (try? request.query.get(Bool.self, at: "suspended")) ?? false, on: request.db)
        return try await dtos(users, on: request.db)
    }

    @Sendable static func suspend(request: Request) async throws -> AdminUserEnvelope {
        let admin = try Administration.requireAdmin(request)
        let body = try request.content.decode(SuspendRequest.self)
        let user = try await Administration.suspend(request.parameters.get("username") ?? "", reason: body.reason, by: admin,
                                                    in: request.application)
        return try AdminUserEnvelope(user: AdminUserDTO(user, isLive: false))
    }

    @Sendable static func unsuspend(request: Request) async throws -> AdminUserEnvelope {
        let admin = try Administration.requireAdmin(request)
        let user = try await Administration.unsuspend(request.parameters.get("username") ?? "", by: admin, in: request.application)
        return try await AdminUserEnvelope(user: dtos([user], on: request.db)[0])
    }

    @Sendable static func audit(request: Request) async throws -> [AuditEntryDTO] {
        _ = try Administration.requireAdmin(request)
        let limit = min(max((try? request.query.get(Int.self, at: "limit")) ?? 100, 1), 500)
        return try await AdminAudit.recent(limit: limit, on: request.db).map(AuditEntryDTO.init)
    }

    static func dtos(_ users: [User], on database: any Database) async throws -> [AdminUserDTO] {
        let ids = users.compactMap(\.id)
        let live = ids.isEmpty ? [] : try await Stream.query(on: database).filter(\.$user.$id ~~ ids).filter(\.$isLive == true).all()
        let liveOwners = Set(live.map { $0.$user.id })
        return try users.map { try AdminUserDTO($0, isLive: $0.id.map(liveOwners.contains) ?? false) }
    }
}
