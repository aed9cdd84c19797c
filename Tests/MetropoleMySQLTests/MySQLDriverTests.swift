#if MySQL
import FluentKit
import Foundation
import SQLKit
import Testing
@testable import MetropoleMySQL

@Suite(.enabled(if: MySQLTestServer.isConfigured, "set METROPOLE_TEST_MYSQL_URL (scripts/test does)"))
struct MySQLDriverTests {
    @Test func everyTypeRoundTrips() async throws {
        try await MySQLTestServer.withDatabase { sql, _, _ in
            try await sql.run(sql: """
                CREATE TABLE t (id BINARY(16), legacy_id CHAR(36), flag TINYINT(1), at DATETIME(6), doc JSON,
                  name VARCHAR(255), big BIGINT, ubig BIGINT UNSIGNED, ratio DOUBLE, price DECIMAL(10,2), raw BLOB, missing INT)
                """)
            let id = UUID()
            let at = Date(timeIntervalSince1970: 1_764_000_000.123456)
            struct Doc: Codable, Equatable { var tags: [String]; var n: Int }
            let doc = Doc(tags: ["a", "ü"], n: 3)
            try await sql.insert(into: "t")
                .columns("id", "legacy_id", "flag", "at", "doc", "name", "big", "ubig", "ratio", "price", "raw", "missing")
                .values(SQLBind(id), SQLBind(id.uuidString), SQLBind(true), SQLBind(at), SQLBind(doc), SQLBind("Ünïcode 🎥 stream"),
                        SQLBind(Int64.min), SQLBind(UInt64.max), SQLBind(0.1 + 0.2), SQLBind("12.50"), SQLBind(Data([0, 1, 255])), SQLBind(Int?.none))
                .run()
            let row = try #require(try await sql.select().columns("*").from("t").first())
            #expect(try row.decode(column: "id", as: UUID.self) == id)
            #expect(try row.decode(column: "legacy_id", as: UUID.self) == id)
            #expect(try row.decode(column: "flag", as: Bool.self) == true)
            let readAt = try row.decode(column: "at", as: Date.self)
            #expect(abs(readAt.timeIntervalSince(at)) < 0.000_002)
            #expect(try row.decode(column: "doc", as: Doc.self) == doc)
            #expect(try row.decode(column: "name", as: String.self) == "Ünïcode 🎥 stream")
            #expect(try row.decode(column: "big", as: Int64.self) == Int64.min)
            #expect(try row.decode(column: "ubig", as: UInt64.self) == UInt64.max)
            #expect(try row.decode(column: "ratio", as: Double.self) == 0.1 + 0.2)
            #expect(try row.decode(column: "price", as: Decimal.self) == Decimal(string: "12.5"))
            #expect(try row.decode(column: "raw", as: Data.self) == Data([0, 1, 255]))
            #expect(try row.decodeNil(column: "missing"))
            #expect(try row.decode(column: "missing", as: Int?.self) == nil)
            #expect(throws: DecodingError.self) { try row.decode(column: "name", as: Int.self) }
        }
    }

    @Test func datesAreStoredInUTC() async throws {
        try await MySQLTestServer.withDatabase { sql, _, _ in
            try await sql.run(sql: "CREATE TABLE t (at DATETIME(6))")
            try await sql.run(sql: "INSERT INTO t VALUES (?)", binds: [.date(Date(timeIntervalSince1970: 0))])
            let text = try await sql.rows("SELECT CAST(at AS CHAR) AS s FROM t")
            #expect(try text.first?.decode(column: "s", as: String.self) == "1970-01-01 00:00:00.000000")
        }
    }

    @Test func constraintErrorsAreClassified() async throws {
        try await MySQLTestServer.withDatabase { sql, _, _ in
            try await sql.run(sql: "CREATE TABLE p (id INT PRIMARY KEY, name VARCHAR(20) NOT NULL UNIQUE) ENGINE=InnoDB")
            try await sql.run(sql: "CREATE TABLE c (p_id INT NOT NULL, FOREIGN KEY (p_id) REFERENCES p(id)) ENGINE=InnoDB")
            try await sql.run(sql: "INSERT INTO p VALUES (1, 'a')")
            let duplicate = await #expect(throws: MySQLError.self) { try await sql.run(sql: "INSERT INTO p VALUES (2, 'a')") }
            #expect(duplicate?.kind == .duplicateKey)
            #expect(duplicate?.isConstraintFailure == true)
            let foreign = await #expect(throws: MySQLError.self) { try await sql.run(sql: "INSERT INTO c VALUES (9)") }
            #expect(foreign?.kind == .foreignKey)
            #expect(foreign?.isConstraintFailure == true)
            let notNull = await #expect(throws: MySQLError.self) { try await sql.run(sql: "INSERT INTO p VALUES (3, ?)", binds: [.null]) }
            #expect(notNull?.kind == .notNull)
            let syntax = await #expect(throws: MySQLError.self) { try await sql.run(sql: "SELEKT 1") }
            #expect(syntax?.isSyntaxError == true)
            // The connection survives ordinary errors.
            #expect(try await sql.rows("SELECT COUNT(*) AS n FROM p").first?.decode(column: "n", as: Int.self) == 1)
        }
    }

    @Test func transactionsCommitAndRollBack() async throws {
        try await MySQLTestServer.withDatabase { sql, _, _ in
            try await sql.run(sql: "CREATE TABLE t (n INT) ENGINE=InnoDB")
            try await sql.transaction { try await $0.run(sql: "INSERT INTO t VALUES (1)") }
            struct Boom: Error {}
            await #expect(throws: Boom.self) {
                try await sql.transaction { session in
                    try await session.run(sql: "INSERT INTO t VALUES (2)")
                    throw Boom()
                }
            }
            let values = try await sql.rows("SELECT n FROM t").map { try $0.decode(column: "n", as: Int.self) }
            #expect(values == [1])
        }
    }

    @Test func preparedStatementsAreReusedPerConnection() async throws {
        try await MySQLTestServer.withDatabase(maxConnections: 1) { sql, _, _ in
            try await sql.withSession { session in
                guard let session = session as? MySQLSQLDatabase, let connection = session.connection else { Issue.record("no session connection"); return }
                let before = connection.prepareCount
                for n in 0..<5 {
                    let rows = try await session.rows("SELECT ? + 1 AS n", [.int(Int64(n))])
                    #expect(try rows.first?.decode(column: "n", as: Int.self) == n + 1)
                }
                #expect(connection.prepareCount == before + 1)
                #expect(connection.reuseCount >= 4)
            }
        }
    }

    @Test func aKilledConnectionIsReplaced() async throws {
        try await MySQLTestServer.withDatabase(maxConnections: 1) { sql, pool, _ in
            let first = try #require(try await sql.rows("SELECT CONNECTION_ID() AS id").first?.decode(column: "id", as: Int.self))
            try await MySQLTestServer.admin { try await $0.run(sql: "KILL CONNECTION \(first)") }
            try await Task.sleep(for: .milliseconds(200))
            let second = try #require(try await sql.rows("SELECT CONNECTION_ID() AS id").first?.decode(column: "id", as: Int.self))
            #expect(second != first)
            #expect(pool.statistics.discarded == 1)

            // Killed in the middle of a session: that query fails as connection-lost, the next works.
            let lost = await #expect(throws: MySQLError.self) {
                try await sql.withSession { session in
                    guard let session = session as? MySQLSQLDatabase else { return }
                    let id = try await session.rows("SELECT CONNECTION_ID() AS id").first?.decode(column: "id", as: Int.self) ?? 0
                    try await MySQLTestServer.admin { try await $0.run(sql: "KILL CONNECTION \(id)") }
                    try await Task.sleep(for: .milliseconds(200))
                    try await session.run(sql: "SELECT 1")
                }
            }
            #expect(lost?.isConnectionClosed == true)
            #expect(try await sql.rows("SELECT 1 AS one").first?.decode(column: "one", as: Int.self) == 1)
            #expect(pool.statistics.discarded == 2)
        }
    }

    @Test func manyTasksShareThePool() async throws {
        try await MySQLTestServer.withDatabase(maxConnections: 4) { sql, pool, _ in
            try await sql.run(sql: "CREATE TABLE t (n INT PRIMARY KEY) ENGINE=InnoDB")
            try await withThrowingTaskGroup(of: Void.self) { group in
                for n in 0..<200 {
                    group.addTask {
                        try await sql.run(sql: "INSERT INTO t VALUES (?)", binds: [.int(Int64(n))])
                        let rows = try await sql.rows("SELECT n FROM t WHERE n = ?", [.int(Int64(n))])
                        #expect(rows.count == 1)
                    }
                }
                try await group.waitForAll()
            }
            #expect(try await sql.rows("SELECT COUNT(*) AS c FROM t").first?.decode(column: "c", as: Int.self) == 200)
            #expect(pool.statistics.opened <= 4)
        }
    }

    @Test func upsertUsesOnDuplicateKeyUpdate() async throws {
        try await MySQLTestServer.withDatabase { sql, _, _ in
            try await sql.run(sql: "CREATE TABLE t (k VARCHAR(10) PRIMARY KEY, v INT)")
            for value in [1, 2] {
                try await sql.insert(into: "t").columns("k", "v").values(SQLBind("a"), SQLBind(value))
                    .onConflict(with: ["k"]) { $0.set(excludedValueOf: "v") }.run()
            }
            let (text, _) = sql.serialize(sql.insert(into: "t").columns("k").values(SQLBind("a")).onConflict(with: ["k"]) { $0.set(excludedValueOf: "k") }.query)
            #expect(text.contains("ON DUPLICATE KEY UPDATE"))
            #expect(try await sql.rows("SELECT v FROM t").first?.decode(column: "v", as: Int.self) == 2)
        }
    }

    @Test func longConstraintNamesStayUnder64Characters() {
        let long = "uq:" + String(repeating: "a_very_long_table_name.", count: 4) + "column"
        let short = MySQLDialect.shortConstraintName(long)
        #expect(short.utf8.count <= 64)
        #expect(short == MySQLDialect.shortConstraintName(long))
        #expect(MySQLDialect.shortConstraintName("uq:users.username_key") == "uq:users.username_key")
    }

    @Test func urlOptionsAreParsed() throws {
        let configuration = try MySQLConfiguration(url: #require(URL(string: "mysql://u:p%40ss@db.example:3307/app?ssl-mode=verify_ca&ssl-ca=/etc/ca.pem&connect-timeout=3&pool-size=16")))
        #expect(configuration.password == "p@ss")
        #expect(configuration.port == 3307)
        #expect(configuration.database == "app")
        #expect(configuration.tlsMode == .verifyCA)
        #expect(configuration.tlsCAFile == "/etc/ca.pem")
        #expect(configuration.connectTimeoutSeconds == 3)
        #expect(configuration.maxConnections == 16)
        #expect(throws: MySQLConfigurationError.self) { try MySQLConfiguration(url: #require(URL(string: "mysql://u@h/db?ssl-mode=sometimes"))) }
    }
}
#endif
