import Foundation
import Testing
import NIOPosix
import Vapor
import VaporTesting
@testable import MetropoleWeb

/// A fresh application on its own temporary data dir and database (SQLite file, or an
/// isolated MariaDB/PostgreSQL database, see `TestDatabase`), per test.
func withTestApp(
    loginLimits: LoginThrottle.Limits = .init(),
    environment extra: [String: String] = [:],
    _ body: (Application) async throws -> Void
) async throws {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("metropole-test-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: directory) }
    var environment = [
        "METROPOLE_DATA_DIR": directory.path,
        "METROPOLE_RTMP_PORT": "0",
        "METROPOLE_WEBRTC_UDP_PORT": "0",
    ]
    // On MariaDB/PostgreSQL runs (METROPOLE_TEST_DATABASE_URL), a database of this test's own.
    let isolated = try await TestDatabase.makeIsolated()
    if let isolated { environment["DATABASE_URL"] = isolated.url }
    environment.merge(extra) { _, new in new }
    let configuration = try AppConfiguration.load(from: environment)
    var options = ConfigureOptions()
    options.passwordCost = 4
    options.loginLimits = loginLimits
    do {
        try await withApp(configure: { app in
            try await configure(app, configuration: configuration, options: options)
        }, body)
    } catch {
        await isolated?.drop()
        throw error
    }
    await isolated?.drop()
}

/// JSON body helper.
func json(_ object: [String: Any]) -> ByteBuffer {
    ByteBuffer(data: try! JSONSerialization.data(withJSONObject: object))
}

let jsonHeaders: HTTPHeaders = ["Content-Type": "application/json"]

func bearer(_ token: String) -> HTTPHeaders {
    ["Content-Type": "application/json", "Authorization": "Bearer \(token)"]
}

struct ErrorJSON: Decodable {
    struct Detail: Decodable {
        var code: String
        var message: String
    }
    var error: Detail
}

struct SessionJSON: Decodable {
    struct User: Decodable {
        var id: UUID
        var username: String
        var bio: String
    }
    var token: String
    var user: User
}

extension Application {
    /// Signs up and signs in through the API; returns the Bearer token.
    @discardableResult
    func signUp(_ username: String, password: String = "correct horse") async throws -> String {
        try await testing().test(.POST, "api/v1/users", headers: jsonHeaders,
                                 body: json(["username": username, "password": password])) { response in
            #expect(response.status == .created, "sign-up of \(username): \(response.body.string)")
        }
        var token = ""
        try await testing().test(.POST, "api/v1/sessions", headers: jsonHeaders,
                                 body: json(["username": username, "password": password])) { response in
            #expect(response.status == .created)
            token = try response.content.decode(SessionJSON.self).token
        }
        return token
    }
}

extension TestingHTTPResponse {
    var errorCode: String? { try? content.decode(ErrorJSON.self).error.code }
    var errorMessage: String? { try? content.decode(ErrorJSON.self).error.message }
}

extension Application {
    /// A tester that goes through the real HTTP edge (`SiteServer`) on a free loopback port,
    /// for what only the edge does: body limits, the client's address.
    func overHTTP() throws -> any TestingApplicationTester {
        try testing(method: .running(hostname: "127.0.0.1", port: freeLoopbackPort()))
    }
}

/// A port nothing listens on right now (bound, read, released).
func freeLoopbackPort() throws -> Int {
    let socket = try ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton).bind(host: "127.0.0.1", port: 0).wait()
    defer { try? socket.close().wait() }
    return socket.localAddress?.port ?? 0
}
