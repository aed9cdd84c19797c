import FluentKit
import FluentSQL
import Foundation
import Logging
import NIOCore
import SQLKit

extension DatabaseConfigurationFactory {
    /// MySQL 8 or MariaDB 10.6+ through MariaDB Connector/C.
    public static func mysql(
        url: URL, maxConnections: Int? = nil, sqlLogLevel: Logger.Level? = .debug
    ) throws -> DatabaseConfigurationFactory {
        var configuration = try MySQLConfiguration(url: url)
        if let maxConnections { configuration.maxConnections = maxConnections }
        return .mysql(configuration: configuration, sqlLogLevel: sqlLogLevel)
    }

    public static func mysql(configuration: MySQLConfiguration, sqlLogLevel: Logger.Level? = .debug) -> DatabaseConfigurationFactory {
        .init { FluentMySQLConfiguration(configuration: configuration, sqlLogLevel: sqlLogLevel, middleware: []) }
    }
}

extension DatabaseID {
    public static var mysql: DatabaseID { .init(string: "mysql") }
}

struct FluentMySQLConfiguration: DatabaseConfiguration {
    let configuration: MySQLConfiguration
    let sqlLogLevel: Logger.Level?
    var middleware: [any AnyModelMiddleware]

    func makeDriver(for databases: Databases) -> any DatabaseDriver {
        FluentMySQLDriver(pool: MySQLConnectionPool(configuration: configuration), sqlLogLevel: sqlLogLevel)
    }
}

struct FluentMySQLDriver: DatabaseDriver {
    let pool: MySQLConnectionPool
    let sqlLogLevel: Logger.Level?

    func makeDatabase(with context: DatabaseContext) -> any Database {
        FluentMySQLDatabase(sql: MySQLSQLDatabase(pool: pool, logger: context.logger, eventLoop: context.eventLoop, queryLogLevel: sqlLogLevel),
                            context: context, inTransaction: false)
    }

    func shutdown() {
        // Fluent calls the synchronous form from non-async contexts; the threads are ours to stop.
        let pool = self.pool
        let done = DispatchSemaphore(value: 0)
        Task.detached { await pool.shutdown(); done.signal() }
        done.wait()
    }

    func shutdownAsync() async { await pool.shutdown() }
}

/// Fluent's database over our SQLKit database: queries go through FluentSQL's converters.
struct FluentMySQLDatabase: Database, SQLDatabase {
    let sql: MySQLSQLDatabase
    let context: DatabaseContext
    let inTransaction: Bool

    func execute(query: DatabaseQuery, onOutput: @escaping @Sendable (any DatabaseOutput) -> Void) -> EventLoopFuture<Void> {
        let expression = SQLQueryConverter(delegate: MySQLConverterDelegate()).convert(query)
        let sql = self.sql
        let promise = eventLoop.makePromise(of: RowsAndResult.self)
        promise.completeWithTask {
            let (result, rows) = try await sql.collect(expression)
            return RowsAndResult(result: result, rows: rows)
        }
        // `map` runs on the event loop, where Fluent requires its output to arrive.
        return promise.futureResult.map { collected in
            for row in collected.rows { onOutput(row.databaseOutput()) }
            // MySQL has no RETURNING: a database-generated id comes from the statement's insert id.
            if case .create = query.action, query.customIDKey != .string("") {
                onOutput(LastInsertRow(lastInsertID: collected.result.lastInsertID, customIDKey: query.customIDKey))
            }
        }
    }

    func execute(schema: DatabaseSchema) -> EventLoopFuture<Void> {
        let expression = SQLSchemaConverter(delegate: MySQLConverterDelegate()).convert(schema)
        return sql.execute(sql: expression, { _ in })
    }

    /// Enums are inline (`ENUM(...)` in the column), so there is no type to create.
    func execute(enum: DatabaseEnum) -> EventLoopFuture<Void> { eventLoop.makeSucceededVoidFuture() }

    func transaction<T>(_ closure: @escaping @Sendable (any Database) -> EventLoopFuture<T>) -> EventLoopFuture<T> {
        eventLoop.makeFutureWithTask { try await self.transaction { try await closure($0).get() } }
    }

    func transaction<T>(_ closure: @escaping @Sendable (any Database) async throws -> T) async throws -> T {
        if inTransaction { return try await closure(self) }
        let box: UncheckedBox<T> = try await sql.transaction { session in
            UncheckedBox(value: try await closure(FluentMySQLDatabase(sql: session, context: context, inTransaction: true)))
        }
        return box.value
    }

    func withConnection<T>(_ closure: @escaping @Sendable (any Database) -> EventLoopFuture<T>) -> EventLoopFuture<T> {
        eventLoop.makeFutureWithTask {
            let box: UncheckedBox<T> = try await sql.withSession { session in
                guard let session = session as? MySQLSQLDatabase else { preconditionFailure("MySQL session is not a MySQLSQLDatabase") }
                return UncheckedBox(value: try await closure(FluentMySQLDatabase(sql: session, context: context, inTransaction: inTransaction)).get())
            }
            return box.value
        }
    }

    // SQLDatabase
    var dialect: any SQLDialect { sql.dialect }
    var queryLogLevel: Logger.Level? { sql.queryLogLevel }
    func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> Void) -> EventLoopFuture<Void> {
        sql.execute(sql: query, onRow)
    }
    func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> Void) async throws {
        try await sql.execute(sql: query, onRow)
    }
    func withSession<R>(_ closure: @escaping @Sendable (any SQLDatabase) async throws -> R) async throws -> R {
        try await sql.withSession(closure)
    }
}

struct RowsAndResult: Sendable {
    var result: MySQLExecutionResult
    var rows: [MySQLRow]
}

/// Fluent's generic `T` is not declared Sendable; it crosses no thread here, only our awaits.
struct UncheckedBox<T>: @unchecked Sendable { let value: T }

struct MySQLConverterDelegate: SQLConverterDelegate {
    func customDataType(_ dataType: DatabaseSchema.DataType) -> (any SQLExpression)? {
        switch dataType {
        case .string: SQLRaw("VARCHAR(255)")
        case .datetime: SQLRaw("DATETIME(6)")
        case .uuid: SQLRaw("BINARY(16)")
        case .bool: SQLRaw("TINYINT(1)")
        case .array, .dictionary: SQLRaw("JSON")
        default: nil
        }
    }

    /// MySQL ignores inline `REFERENCES` on a column; foreign keys must be table constraints.
    func beforeConvert(_ schema: DatabaseSchema) -> DatabaseSchema {
        var copy = schema
        copy.createFields = schema.createFields.map { field in
            guard case .definition(let name, let dataType, let constraints) = field else { return field }
            return .definition(name: name, dataType: dataType, constraints: constraints.filter { constraint in
                guard case .foreignKey(let foreignSchema, let space, let foreignField, let onDelete, let onUpdate) = constraint else { return true }
                copy.createConstraints.append(.constraint(.foreignKey([name], foreignSchema, space: space, [foreignField], onDelete: onDelete, onUpdate: onUpdate), name: nil))
                return false
            })
        }
        return copy
    }
}

extension SQLRow {
    func databaseOutput() -> any DatabaseOutput { SQLRowOutput(row: self, schema: nil) }
}

private struct SQLRowOutput: DatabaseOutput {
    let row: any SQLRow
    let schema: String?

    var description: String { String(describing: row) }
    private func column(_ key: FieldKey) -> String { (schema.map { .prefix(.prefix(.string($0), "_"), key) } ?? key).description }
    func schema(_ schema: String) -> any DatabaseOutput { SQLRowOutput(row: row, schema: schema) }
    func contains(_ key: FieldKey) -> Bool { row.contains(column: column(key)) }
    func decodeNil(_ key: FieldKey) throws -> Bool { try row.decodeNil(column: column(key)) }
    func decode<T: Decodable>(_ key: FieldKey, as type: T.Type) throws -> T { try row.decode(column: column(key), as: T.self) }
}

/// The id of a row MySQL generated, presented as the output of the INSERT.
private struct LastInsertRow: DatabaseOutput {
    let lastInsertID: UInt64?
    let customIDKey: FieldKey?

    var description: String { lastInsertID.map { "\($0)" } ?? "nil" }
    func schema(_ schema: String) -> any DatabaseOutput { self }
    func decodeNil(_ key: FieldKey) throws -> Bool { false }
    func contains(_ key: FieldKey) -> Bool { key == .id || key == customIDKey }

    func decode<T: Decodable>(_ key: FieldKey, as type: T.Type) throws -> T {
        guard contains(key), let lastInsertID else {
            throw DecodingError.valueNotFound(T.self, .init(codingPath: [], debugDescription: "the INSERT reported no insert id for \(key)"))
        }
        return try MySQLDataDecoder.decode(T.self, from: .uint(lastInsertID), column: key.description)
    }
}
