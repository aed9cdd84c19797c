import Fluent
import FluentPostgresDriver
import Foundation
#if MySQL
import MetropoleMySQL
#endif
import NIOPosix
import Vapor
@testable import MetropoleWeb

/// `METROPOLE_TEST_DATABASE_URL` (mysql://… or postgres://…) runs the app tests on that server:
/// every test gets a database of its own, created empty and dropped afterwards, so tests can
/// run in parallel. Unset, tests use a temporary SQLite file.
enum TestDatabase {
    static let serverURL: String? = ProcessInfo.processInfo.environment["METROPOLE_TEST_DATABASE_URL"].flatMap { $0.isEmpty ? nil : $0 }

    struct Isolated {
        var url: String
        var drop: @Sendable () async -> Void
    }

    static func makeIsolated() async throws -> Isolated? {
        guard let serverURL else { return nil }
        let location = try DatabaseLocation(parsing: serverURL)
        guard var components = URLComponents(string: serverURL) else { return nil }
        let name = "mt_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(24).lowercased()
        let (create, drop): (String, String)
        switch location {
        case .sqlite: return nil
        case .mysql:
            (create, drop) = ("CREATE DATABASE `\(name)` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci", "DROP DATABASE IF EXISTS `\(name)`")
        case .postgres:
            (create, drop) = ("CREATE DATABASE \"\(name)\"", "DROP DATABASE IF EXISTS \"\(name)\" WITH (FORCE)")
        }
        try await admin(location) { try await $0.raw(SQLQueryString(create)).run() }
        components.path = "/" + name
        guard let url = components.string else { return nil }
        return Isolated(url: url, drop: {
            do { try await admin(location) { try await $0.raw(SQLQueryString(drop)).run() } }
            catch { print("warning: could not drop test database \(name): \(error)") }
        })
    }

    /// A one-off connection to the server's default database, for CREATE/DROP DATABASE.
    private static func admin(_ location: DatabaseLocation, _ body: @Sendable (any SQLDatabase) async throws -> Void) async throws {
        let databases = Databases(threadPool: NIOThreadPool.singleton, on: MultiThreadedEventLoopGroup.singleton)
        switch location {
        case .sqlite: return
        case .mysql(let url):
            #if MySQL
            var configuration = try MySQLConfiguration(url: url)
            configuration.maxConnections = 1
            databases.use(.mysql(configuration: configuration, sqlLogLevel: nil), as: .mysql)
            #else
            throw AppConfiguration.Error(variable: "METROPOLE_TEST_DATABASE_URL", problem: "mysql:// needs the tests built with --traits MySQL")
            #endif
        case .postgres(let url):
            databases.use(.postgres(configuration: try SQLPostgresConfiguration(url: url), maxConnectionsPerEventLoop: 1), as: .psql)
        }
        do {
            guard let database = databases.database(logger: Logger(label: "test-admin"), on: MultiThreadedEventLoopGroup.singleton.any()) as? any SQLDatabase else {
                throw AppConfiguration.Error(variable: "METROPOLE_TEST_DATABASE_URL", problem: "not an SQL database")
            }
            try await body(database)
        } catch {
            await databases.shutdownAsync()
            throw error
        }
        await databases.shutdownAsync()
    }
}
