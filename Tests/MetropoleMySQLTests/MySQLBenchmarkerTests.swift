#if MySQL
import FluentBenchmark
import FluentKit
import Logging
import NIOCore
import NIOPosix
import SQLKit
import SQLKitBenchmark
import XCTest
@testable import MetropoleMySQL

/// Fluent's and SQLKit's own conformance suites against our driver. XCTest, because the
/// harnesses report through XCTAssert.
final class MySQLBenchmarkerTests: XCTestCase {
    private var names: [String] = []
    private var databases: Databases?

    override func setUp() async throws {
        guard MySQLTestServer.isConfigured else { throw XCTSkip("set METROPOLE_TEST_MYSQL_URL (scripts/test does)") }
        names = (0..<2).map { _ in "mbt_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(20).lowercased() }
        for name in names {
            try await MySQLTestServer.admin { try await $0.run(sql: "CREATE DATABASE `\(name)` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci") }
        }
        let databases = Databases(threadPool: NIOThreadPool.singleton, on: MultiThreadedEventLoopGroup.singleton)
        databases.use(.mysql(configuration: try MySQLTestServer.configuration(database: names[0]), sqlLogLevel: nil), as: .a)
        databases.use(.mysql(configuration: try MySQLTestServer.configuration(database: names[1]), sqlLogLevel: nil), as: .b)
        self.databases = databases
    }

    override func tearDown() async throws {
        await databases?.shutdownAsync()
        for name in names { try? await MySQLTestServer.admin { try await $0.run(sql: "DROP DATABASE IF EXISTS `\(name)`") } }
    }

    func testFluentBenchmarker() throws {
        let databases = try XCTUnwrap(databases)
        try FluentBenchmarker(databases: databases).testAll()
    }

    func testSQLBenchmarker() async throws {
        let databases = try XCTUnwrap(databases)
        let database = try XCTUnwrap(databases.database(.a, logger: Logger(label: "sql-benchmark"), on: MultiThreadedEventLoopGroup.singleton.any()) as? any SQLDatabase)
        try await SQLBenchmarker(on: database).runAllTests()
    }
}

extension DatabaseID {
    static let a = DatabaseID(string: "a")
    static let b = DatabaseID(string: "b")
}
#endif
