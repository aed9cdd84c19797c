import Fluent
import Foundation
import MetropoleStandardWebhooks
import Testing
import VaporTesting
@testable import MetropoleWeb

@Suite struct IdentityTests {
    static let secret = "whsec_" + Data("metropole-user-sync-test-key-32b".utf8).base64EncodedString()

    static func delivery(_ body: String, id: String = UUID().uuidString, secret: String = secret,
                         at time: Date = Date(), family: String = "svix") throws -> (HTTPHeaders, ByteBuffer) {
        let signed = StandardWebhooks.sign(id: id, timestamp: Int64(time.timeIntervalSince1970), body: Array(body.utf8),
                                           secret: try WebhookSecret(string: secret))
        let headers: HTTPHeaders = [
            "Content-Type": "application/json", "\(family)-id": signed.id, "\(family)-timestamp": signed.timestamp,
            "\(family)-signature": signed.signature,
        ]
        return (headers, ByteBuffer(string: body))
    }

    static let environment = ["METROPOLE_USER_WEBHOOK_SECRET": secret]

    @Test func webhookOffWithoutASecret() async throws {
        try await withTestApp { app in
            let (headers, body) = try Self.delivery(#"{"type":"user.created","data":{"id":"u1","username":"nobody"}}"#)
            try await app.testing().test(.POST, "api/v1/webhooks/users", headers: headers, body: body) { response in
                #expect(response.status == .notFound)
            }
        }
    }

    @Test func eventsApplyInOrderAndOnlyOnce() async throws {
        try await withTestApp(environment: Self.environment) { app in
            // setup
            let created = try Self.delivery(#"{"type":"user.created","data":{"id":"u1","username":"synced","first_name":"Syn","updated_at":10}}"#)
            // act
            try await app.testing().test(.POST, "api/v1/webhooks/users", headers: created.0, body: created.1) { response in
                #expect(response.status == .ok, "\(response.body.string)")
            }
            try await app.testing().test(.POST, "api/v1/webhooks/users", headers: created.0, body: created.1) { response in
                #expect(response.body.string.contains("replay"))
            }
            let older = try Self.delivery(#"{"type":"user.updated","data":{"id":"u1","username":"older","updated_at":5}}"#, family: "webhook")
            try await app.testing().test(.POST, "api/v1/webhooks/users", headers: older.0, body: older.1) { response in
                #expect(response.body.string.contains("stale"))
            }
            // check
            let user = try #require(try await User.query(on: app.db).filter(\.$usernameKey == "synced").first())
            #expect(user.displayName == "Syn")
            #expect(try await Stream.query(on: app.db).filter(\.$user.$id == user.requireID()).count() == 1)
            let identity = try #require(try await ExternalAccounts.identity(provider: "webhook", subject: "u1", on: app.db))
            #expect(identity.lastEventAt == 10 && identity.$user.id == user.id)
        }
    }

    /// Svix does not order deliveries: an update may come first, a delete before the create.
    @Test func outOfOrderDeliveriesSettleOnTheNewest() async throws {
        try await withTestApp(environment: Self.environment) { app in
            func send(_ body: String) async throws -> String {
                let (headers, payload) = try Self.delivery(body)
                var answer = ""
                try await app.testing().test(.POST, "api/v1/webhooks/users", headers: headers, body: payload) { response in
                    #expect(response.status == .ok, "\(response.body.string)")
                    answer = response.body.string
                }
                return answer
            }
            // act: the update overtakes the create
            #expect(try await send(#"{"type":"user.updated","data":{"id":"u3","username":"newest","updated_at":20}}"#).contains("applied"))
            #expect(try await send(#"{"type":"user.created","data":{"id":"u3","username":"first","updated_at":10}}"#).contains("stale"))
            // check
            #expect(try await User.query(on: app.db).filter(\.$usernameKey == "newest").count() == 1)
            #expect(try await User.query(on: app.db).count() == 1)

            // act: a delete for somebody never seen, then their create
            #expect(try await send(#"{"type":"user.deleted","data":{"id":"u4","deleted":true}}"#).contains("applied"))
            #expect(try await send(#"{"type":"user.created","data":{"id":"u4","username":"ghost","updated_at":1}}"#).contains("deleted"))
            #expect(try await User.query(on: app.db).filter(\.$usernameKey == "ghost").count() == 0)

            // act: deleting a user with a stream, follows and a session
            let fan = try await app.signUp("fan_user")
            try await app.testing().test(.PUT, "api/v1/me/following/newest", headers: bearer(fan)) { response in
                #expect(response.status == .noContent)
            }
            #expect(try await send(#"{"type":"user.deleted","data":{"id":"u3","deleted":true}}"#).contains("applied"))
            #expect(try await User.query(on: app.db).filter(\.$usernameKey == "newest").count() == 0)
            #expect(try await Follow.query(on: app.db).count() == 0)
            #expect(try await Stream.query(on: app.db).count() == 1, "only the fan's stream is left")
            let tombstone = try #require(try await ExternalAccounts.identity(provider: "webhook", subject: "u3", on: app.db))
            #expect(tombstone.isDeleted && tombstone.$user.id == nil)
        }
    }

    @Test func picturesAreNotFetchedFromLoopbackUnlessAllowed() async throws {
        try await withTestApp(environment: Self.environment) { app in
            let (headers, body) = try Self.delivery(#"{"type":"user.created","data":{"id":"u5","username":"pictured","image_url":"http://127.0.0.1:9/a.png","updated_at":1}}"#)
            try await app.testing().test(.POST, "api/v1/webhooks/users", headers: headers, body: body) { response in
                #expect(response.status == .ok, "the event applies without its picture")
            }
            let user = try #require(try await User.query(on: app.db).filter(\.$usernameKey == "pictured").first())
            #expect(user.avatar == nil)
            await #expect(throws: RemoteImage.Failure.self) { try await RemoteImage.fetch("http://127.0.0.1:9/a.png", in: app) }
            await #expect(throws: RemoteImage.Failure.self) { try await RemoteImage.fetch("http://169.254.169.254/latest/meta-data", in: app) }
            await #expect(throws: RemoteImage.Failure.self) { try await RemoteImage.fetch("file:///etc/passwd", in: app) }
        }
    }

    @Test func badSignaturesAndStaleTimestampsAre401() async throws {
        try await withTestApp(environment: Self.environment) { app in
            let body = #"{"type":"user.created","data":{"id":"u2","username":"mallory"}}"#
            let wrongKey = "whsec_" + Data("an-entirely-different-key-32byte".utf8).base64EncodedString()
            for (headers, payload) in [try Self.delivery(body, secret: wrongKey), try Self.delivery(body, at: Date().addingTimeInterval(-600))] {
                try await app.testing().test(.POST, "api/v1/webhooks/users", headers: headers, body: payload) { response in
                    #expect(response.status == .unauthorized)
                }
            }
            #expect(try await User.query(on: app.db).count() == 0)
        }
    }

    @Test func passwordSignUpCanBeTurnedOff() async throws {
        try await withTestApp(environment: ["METROPOLE_PASSWORD_SIGNUP": "0"]) { app in
            try await app.testing().test(.POST, "api/v1/users", headers: jsonHeaders,
                                         body: json(["username": "alice", "password": "password123"])) { response in
                #expect(response.status == .forbidden)
                #expect(response.errorCode == "signup_disabled")
            }
            try await app.testing().test(.GET, "signup") { response in
                #expect(response.status == .forbidden)
                #expect(!response.body.string.contains("name=\"password\""))
            }
            try await app.testing().test(.GET, "signin") { response in
                #expect(response.status == .ok)
                #expect(!response.body.string.contains("Create an account"))
            }
            // Existing users still sign in with their passwords.
            let hash = try await app.password.async.hash("password123")
            try await User(username: "old_timer", passwordHash: hash).create(on: app.db)
            try await app.testing().test(.POST, "api/v1/sessions", headers: jsonHeaders,
                                         body: json(["username": "old_timer", "password": "password123"])) { response in
                #expect(response.status == .created)
            }
        }
    }

    @Test func signInPageOffersTheProvider() async throws {
        let environment = ["METROPOLE_OIDC_ISSUER": "https://id.example.org", "METROPOLE_OIDC_CLIENT_ID": "metropole",
                           "METROPOLE_OIDC_NAME": "Example ID"]
        try await withTestApp(environment: environment) { app in
            try await app.testing().test(.GET, "signin?returnTo=/search") { response in
                #expect(response.body.string.contains("Sign in with Example ID"))
                #expect(response.body.string.contains("/signin/oidc?returnTo=%2Fsearch"))
                #expect(response.body.string.contains("name=\"password\""))
            }
            // A callback that no sign-in of this browser started.
            try await app.testing().test(.GET, "signin/oidc/callback?code=x&state=y") { response in
                #expect(response.status == .badRequest)
            }
        }
    }

    @Test(arguments: [
        (["METROPOLE_USER_WEBHOOK_SECRET": "not-a-secret"], "METROPOLE_USER_WEBHOOK_SECRET"),
        (["METROPOLE_OIDC_ISSUER": "https://id.example.org"], "METROPOLE_OIDC_CLIENT_ID"),
        (["METROPOLE_OIDC_CLIENT_ID": "x"], "METROPOLE_OIDC_ISSUER"),
        (["METROPOLE_OIDC_ISSUER": "http://id.example.org", "METROPOLE_OIDC_CLIENT_ID": "x"], "METROPOLE_OIDC_ISSUER"),
        (["METROPOLE_PASSWORD_SIGNUP": "maybe"], "METROPOLE_PASSWORD_SIGNUP"),
    ])
    func configurationNamesTheBadVariable(environment: [String: String], variable: String) {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("metropole-identity-config-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        var full = environment
        full["METROPOLE_DATA_DIR"] = directory.path
        #expect(throws: AppConfiguration.Error.self) { try AppConfiguration.load(from: full) }
        do { _ = try AppConfiguration.load(from: full) } catch { #expect(error.variable == variable) }
    }
}
