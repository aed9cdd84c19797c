import Fluent
import Foundation
import Testing
import Vapor
import VaporTesting
@testable import MetropoleWeb

@Suite struct AdminTests {
    private func grantAdmin(_ username: String, in app: Application) async throws {
        _ = try await Administration.setRole(.admin, of: username, on: app.db)
    }

    /// Every admin API route, with its path filled in, and a body where it takes one.
    private var adminRoutes: [(HTTPMethod, String, ByteBuffer?)] {
        APIDescription.routes.filter { if case .admin = $0.access { true } else { false } }.map { route in
            let path = route.pathTemplate.replacingOccurrences(of: "{username}", with: "victim").dropFirst()
            let body: ByteBuffer? = if case .json = route.body { json(["reason": "spam"]) } else { nil }
            return (route.method, String(path), body)
        }
    }

    @Test func everyAdminRouteRefusesANonAdmin() async throws {
        try await withTestApp { app in
            // setup
            let creator = try await app.signUp("creator")
            try await app.signUp("victim")
            #expect(adminRoutes.count >= 6)
            for (method, path, body) in adminRoutes {
                // act, check
                try await app.testing().test(method, path, headers: bearer(creator), body: body) { response in
                    #expect(response.status == .forbidden, "\(method) \(path)")
                    #expect(response.errorCode == "not_admin", "\(method) \(path)")
                }
                try await app.testing().test(method, path, headers: jsonHeaders, body: body) { response in
                    #expect(response.status == .unauthorized, "\(method) \(path) without a session")
                }
            }
            for (method, path) in [(HTTPMethod.GET, "admin"), (.POST, "admin/streams/victim/end"),
                                   (.POST, "admin/users/victim/suspend"), (.POST, "admin/users/victim/unsuspend")] {
                try await app.testing().test(method, path, headers: bearer(creator), body: json(["reason": "spam"])) { response in
                    #expect(response.status == .forbidden, "page \(method) \(path)")
                }
            }
            let victim = try #require(try await User.query(on: app.db).filter(\.$usernameKey == "victim").first())
            #expect(victim.suspendedAt == nil, "nothing happened")
            #expect(try await AdminAuditEntry.query(on: app.db).count() == 0)
        }
    }

    @Test func suspensionStopsEverythingAndDeletesNothing() async throws {
        try await withTestApp { app in
            // setup
            let admin = try await app.signUp("boss")
            try await grantAdmin("boss", in: app)
            let victim = try await app.signUp("victim")
            var key = ""
            try await app.testing().test(.POST, "api/v1/me/ingress", headers: bearer(victim), body: json(["protocol": "rtmp"])) { response in
                key = try response.content.decode([String: String].self)["streamKey"] ?? ""
            }
            let authorizer = StreamKeyAuthorizer(database: { app.db })
            #expect(await authorizer.authorize(app: "live", streamKey: key) != nil)

            // act
            try await app.testing().test(.PUT, "api/v1/admin/users/victim/suspension", headers: bearer(admin),
                                         body: json(["reason": "spam links"])) { response in
                #expect(response.status == .ok)
                #expect(response.body.string.contains("spam links"))
            }

            // check
            try await app.testing().test(.GET, "api/v1/me", headers: bearer(victim)) { #expect($0.status == .unauthorized) }
            try await app.testing().test(.POST, "api/v1/sessions", headers: jsonHeaders,
                                         body: json(["username": "victim", "password": "correct horse"])) { response in
                #expect(response.status == .forbidden)
                #expect(response.errorCode == "account_suspended")
            }
            #expect(await authorizer.authorize(app: "live", streamKey: key) == nil, "the key is refused while suspended")
            try await app.testing().test(.GET, "api/v1/streams/victim") { #expect($0.status == .notFound) }
            try await app.testing().test(.GET, "api/v1/users/victim") { #expect($0.status == .notFound) }
            try await app.testing().test(.GET, "victim") { #expect($0.status == .notFound) }
            try await app.testing().test(.GET, "api/v1/streams") { #expect(!$0.body.string.contains("victim")) }
            try await app.testing().test(.GET, "api/v1/admin/users?q=vic&suspended=true", headers: bearer(admin)) { response in
                #expect(response.body.string.contains("\"suspensionReason\":\"spam links\""))
            }
            #expect(try await User.query(on: app.db).filter(\.$usernameKey == "victim").first() != nil, "nothing deleted")

            // act: lifted
            try await app.testing().test(.DELETE, "api/v1/admin/users/victim/suspension", headers: bearer(admin)) { #expect($0.status == .ok) }
            try await app.testing().test(.GET, "api/v1/me", headers: bearer(victim)) { #expect($0.status == .ok, "the old token works again") }
            #expect(await authorizer.authorize(app: "live", streamKey: key) != nil)
            try await app.testing().test(.GET, "api/v1/admin/audit", headers: bearer(admin)) { response in
                let entries = try response.content.decode([[String: String]].self)
                #expect(entries.map { $0["action"] } == ["unsuspend", "suspend", "grant"])
                #expect(entries[1]["admin"] == "boss" && entries[1]["target"] == "victim" && entries[1]["reason"] == "spam links")
            }
        }
    }

    @Test func endingAStreamRefusesItsKeyUntilANewOne() async throws {
        try await withTestApp { app in
            let admin = try await app.signUp("boss")
            try await grantAdmin("boss", in: app)
            let creator = try await app.signUp("creator")
            var key = ""
            try await app.testing().test(.POST, "api/v1/me/ingress", headers: bearer(creator), body: json([:])) { response in
                key = try response.content.decode([String: String].self)["streamKey"] ?? ""
            }
            try await app.testing().test(.POST, "api/v1/admin/streams/creator/end", headers: bearer(admin)) { #expect($0.status == .noContent) }
            let authorizer = StreamKeyAuthorizer(database: { app.db })
            #expect(await authorizer.authorize(app: "live", streamKey: key) == nil)
            try await app.testing().test(.GET, "api/v1/me/ingress", headers: bearer(creator)) { #expect($0.status == .notFound) }
            try await app.testing().test(.POST, "api/v1/me/ingress", headers: bearer(creator), body: json([:])) { response in
                let fresh = try response.content.decode([String: String].self)["streamKey"] ?? ""
                #expect(await authorizer.authorize(app: "live", streamKey: fresh) != nil)
            }
            try await app.testing().test(.GET, "api/v1/admin/streams", headers: bearer(admin)) { #expect($0.status == .ok) }
        }
    }

    @Test func adminPageListsUsersAndActions() async throws {
        try await withTestApp { app in
            let admin = try await app.signUp("boss")
            try await grantAdmin("boss", in: app)
            try await app.signUp("someone")
            try await app.testing().test(.GET, "admin?q=some", headers: bearer(admin)) { response in
                #expect(response.status == .ok)
                #expect(response.body.string.contains("data-username=\"someone\""))
                #expect(!response.body.string.contains("data-username=\"boss\""))
            }
            try await app.testing().test(.POST, "admin/users/someone/suspend", headers: bearer(admin), body: json(["reason": "abuse"])) { response in
                #expect(response.status == .seeOther)
            }
            try await app.testing().test(.GET, "admin", headers: bearer(admin)) { response in
                #expect(response.body.string.contains("suspended: abuse"))
                #expect(response.body.string.contains("admin-audit"))
            }
            try await app.testing().test(.GET, "api/v1/me", headers: bearer(admin)) { #expect($0.body.string.contains("\"role\":\"admin\"")) }
        }
    }

    @Test func aSuspendedCreatorsKeyIsRefusedByProviderHooks() async throws {
        try await ProvidersTests.withProviders { app, _ in
            // setup
            let admin = try await app.signUp("boss")
            try await grantAdmin("boss", in: app)
            let token = try await app.signUp("ada")
            let key = try await ProvidersTests.choose("mtx", token, on: app)
            let publish: [String: Any] = ["action": "publish", "path": "live/ada", "protocol": "rtmp", "id": "6f1c",
                                          "query": "token=\(key.dropFirst("ada?token=".count))", "ip": "203.0.113.7",
                                          "user": "", "password": "", "token": ""]
            func auth() async throws -> HTTPStatus {
                var status = HTTPStatus.ok
                try await app.testing().test(.POST, "api/v1/providers/mtx/hooks/auth?token=\(ProvidersTests.secret)",
                                             headers: jsonHeaders, body: json(publish)) { status = $0.status }
                return status
            }
            #expect(try await auth() == .ok)
            // act
            try await app.testing().test(.PUT, "api/v1/admin/users/ada/suspension", headers: bearer(admin), body: json(["reason": "x"])) {
                #expect($0.status == .ok)
            }
            // check
            #expect(try await auth() != .ok)
        }
    }
}
