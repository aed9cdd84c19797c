import Logging
import NIOCore
import SQLKit

/// SQLKit's view of the pool, or of one leased connection inside a session or transaction.
public struct MySQLSQLDatabase: SQLDatabase {
    let pool: MySQLConnectionPool
    /// Set inside `withSession` and transactions: every statement goes to this connection.
    let connection: MySQLConnection?
    public let logger: Logger
    public let eventLoop: any EventLoop
    public let queryLogLevel: Logger.Level?

    public init(pool: MySQLConnectionPool, logger: Logger, eventLoop: any EventLoop, queryLogLevel: Logger.Level? = .debug) {
        self.init(pool: pool, connection: nil, logger: logger, eventLoop: eventLoop, queryLogLevel: queryLogLevel)
    }

    init(pool: MySQLConnectionPool, connection: MySQLConnection?, logger: Logger, eventLoop: any EventLoop, queryLogLevel: Logger.Level?) {
        self.pool = pool
        self.connection = connection
        self.logger = logger
        self.eventLoop = eventLoop
        self.queryLogLevel = queryLogLevel
    }

    public var dialect: any SQLDialect { MySQLDialect() }

    public func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> Void) -> EventLoopFuture<Void> {
        eventLoop.makeFutureWithTask { try await self.execute(sql: query, onRow) }
    }

    public func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> Void) async throws {
        _ = try await run(query, onRow)
    }

    /// Serializes and runs `query`, returning the insert id and row count as well.
    @discardableResult
    public func run(_ query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> Void) async throws -> MySQLExecutionResult {
        let (result, rows) = try await collect(query)
        for row in rows { onRow(row) }
        return result
    }

    /// Runs `query` and returns its rows, for callers that must deliver them elsewhere (Fluent
    /// wants its output on the database's event loop).
    func collect(_ query: any SQLExpression) async throws -> (MySQLExecutionResult, [MySQLRow]) {
        let (sql, encodables) = serialize(query)
        if let queryLogLevel {
            logger.log(level: queryLogLevel, "Executing query", metadata: ["sql": .string(sql), "binds": .array(encodables.map { .string("\($0)") })])
        }
        let binds = try encodables.map { try MySQLDataEncoder.encode($0) }
        return try await collect(sql: sql, binds: binds)
    }

    /// Raw SQL with `?` placeholders, for the driver's own tests and tools.
    @discardableResult
    public func run(sql: String, binds: [MySQLData] = [], _ onRow: @escaping @Sendable (MySQLRow) -> Void = { _ in }) async throws -> MySQLExecutionResult {
        let (result, rows) = try await collect(sql: sql, binds: binds)
        for row in rows { onRow(row) }
        return result
    }

    private func collect(sql: String, binds: [MySQLData]) async throws -> (MySQLExecutionResult, [MySQLRow]) {
        let pool = self.pool
        // Rows are collected on the driver thread and delivered here, so callers' closures
        // never run on (and never hold up) a driver thread.
        let work: @Sendable (MySQLConnection) async throws -> (MySQLExecutionResult, [MySQLRow]) = { connection in
            try await pool.run {
                var rows: [MySQLRow] = []
                let result = try connection.execute(sql, binds) { rows.append($0) }
                return (result, rows)
            }
        }
        if let connection { return try await work(connection) }
        return try await pool.withConnection(work)
    }

    public func withSession<R>(_ closure: @escaping @Sendable (any SQLDatabase) async throws -> R) async throws -> R {
        if connection != nil { return try await closure(self) }
        return try await pool.withConnection { connection in
            try await closure(MySQLSQLDatabase(pool: pool, connection: connection, logger: logger, eventLoop: eventLoop, queryLogLevel: queryLogLevel))
        }
    }

    /// Runs `closure` in one transaction on one connection: COMMIT on return, ROLLBACK on throw.
    @discardableResult
    public func transaction<R: Sendable>(_ closure: @escaping @Sendable (MySQLSQLDatabase) async throws -> R) async throws -> R {
        if connection != nil { return try await closure(self) }
        return try await pool.withConnection { connection in
            let session = MySQLSQLDatabase(pool: pool, connection: connection, logger: logger, eventLoop: eventLoop, queryLogLevel: queryLogLevel)
            try await session.simple("START TRANSACTION")
            do {
                let result = try await closure(session)
                try await session.simple("COMMIT")
                return result
            } catch {
                // A lost connection rolled back already; the pool discards it.
                if !connection.isBroken { try? await session.simple("ROLLBACK") }
                throw error
            }
        }
    }

    private func simple(_ sql: String) async throws {
        guard let connection else { return }
        if let queryLogLevel { logger.log(level: queryLogLevel, "Executing query", metadata: ["sql": .string(sql)]) }
        try await pool.run { try connection.simple(sql) }
    }
}
