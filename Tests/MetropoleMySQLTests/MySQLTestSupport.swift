#if MySQL
import Foundation
import Logging
import NIOCore
import NIOPosix
@testable import MetropoleMySQL

/// METROPOLE_TEST_MYSQL_URL points at a server where the user may create databases;
/// scripts/test sets it from the MariaDB it starts. Without it these tests are skipped and
/// the test command says so.
enum MySQLTestServer {
    static let url: URL? = ProcessInfo.processInfo.environment["METROPOLE_TEST_MYSQL_URL"].flatMap(URL.init(string:))
    static var isConfigured: Bool { url != nil }

    struct NotConfigured: Error {}

    static func configuration(database: String? = nil, maxConnections: Int = 4) throws -> MySQLConfiguration {
        guard let url else { throw NotConfigured() }
        var configuration = try MySQLConfiguration(url: url)
        if let database { configuration.database = database }
        configuration.maxConnections = maxConnections
        return configuration
    }

    /// A new empty database for one test, and an SQL database over a pool connected to it.
    /// The database is dropped afterwards whether `body` succeeds or not.
    static func withDatabase<T: Sendable>(
        maxConnections: Int = 4,
        _ body: (MySQLSQLDatabase, MySQLConnectionPool, String) async throws -> T
    ) async throws -> T {
        let name = "mdt_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(20).lowercased()
        try await admin { try await $0.run(sql: "CREATE DATABASE `\(name)` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci") }
        let pool = MySQLConnectionPool(configuration: try configuration(database: name, maxConnections: maxConnections))
        let sql = MySQLSQLDatabase(pool: pool, logger: Logger(label: "mysql-test"), eventLoop: MultiThreadedEventLoopGroup.singleton.any(), queryLogLevel: nil)
        do {
            let result = try await body(sql, pool, name)
            await pool.shutdown()
            try await admin { try await $0.run(sql: "DROP DATABASE `\(name)`") }
            return result
        } catch {
            await pool.shutdown()
            try? await admin { try await $0.run(sql: "DROP DATABASE `\(name)`") }
            throw error
        }
    }

    /// A short-lived pool on the server's default database, for CREATE/DROP DATABASE and KILL.
    @discardableResult
    static func admin<T: Sendable>(_ body: (MySQLSQLDatabase) async throws -> T) async throws -> T {
        let pool = MySQLConnectionPool(configuration: try configuration(maxConnections: 1))
        let sql = MySQLSQLDatabase(pool: pool, logger: Logger(label: "mysql-admin"), eventLoop: MultiThreadedEventLoopGroup.singleton.any(), queryLogLevel: nil)
        do {
            let result = try await body(sql)
            await pool.shutdown()
            return result
        } catch {
            await pool.shutdown()
            throw error
        }
    }
}

/// Collects rows delivered to a `@Sendable` callback.
final class RowCollector: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: [MySQLRow] = []
    var rows: [MySQLRow] { lock.withLock { stored } }
    func add(_ row: MySQLRow) { lock.withLock { stored.append(row) } }
}

extension MySQLSQLDatabase {
    func rows(_ sql: String, _ binds: [MySQLData] = []) async throws -> [MySQLRow] {
        let collector = RowCollector()
        try await run(sql: sql, binds: binds) { collector.add($0) }
        return collector.rows
    }
}
#endif
