import Fluent
import NIOConcurrencyHelpers
import NIOCore
import SQLKit

/// How much of the database pool is in use, for `/metrics` (decision 0036). FluentKit and its
/// SQLite and PostgreSQL drivers expose no pool counters, so the default database is wrapped
/// once (`MeteredDatabaseConfiguration`) and every lease is counted where it is taken: a query,
/// or a transaction or `withConnection` for as long as its closure runs. Leases beyond
/// `poolSize` are waiting for a connection.
final class DatabaseUse: Sendable {
    /// The connections the pool may open (SQLite: one per event loop; PostgreSQL: four per
    /// event loop; MySQL: `pool-size`).
    let poolSize: Int
    private let counts = NIOLockedValueBox((inUse: 0, peak: 0, leases: 0))

    init(poolSize: Int) {
        self.poolSize = poolSize
    }

    /// Leases now, the most at once since the last reading, and leases taken in all.
    var reading: (inUse: Int, peak: Int, leases: Int) {
        counts.withLockedValue { counts in
            defer { counts.peak = counts.inUse }
            return counts
        }
    }

    func lease<T>(_ operation: () -> EventLoopFuture<T>) -> EventLoopFuture<T> {
        counts.withLockedValue { counts in
            counts.inUse += 1
            counts.leases += 1
            counts.peak = max(counts.peak, counts.inUse)
        }
        return operation().always { _ in
            self.counts.withLockedValue { $0.inUse -= 1 }
        }
    }

    func lease<T>(_ operation: () async throws -> T) async throws -> T {
        counts.withLockedValue { counts in
            counts.inUse += 1
            counts.leases += 1
            counts.peak = max(counts.peak, counts.inUse)
        }
        defer { counts.withLockedValue { $0.inUse -= 1 } }
        return try await operation()
    }
}

/// Wraps a driver's configuration so that its databases count their leases.
struct MeteredDatabaseConfiguration: DatabaseConfiguration {
    var inner: any DatabaseConfiguration
    let use: DatabaseUse

    var middleware: [any AnyModelMiddleware] {
        get { inner.middleware }
        set { inner.middleware = newValue }
    }

    func makeDriver(for databases: Databases) -> any DatabaseDriver {
        MeteredDriver(inner: inner.makeDriver(for: databases), use: use)
    }
}

extension DatabaseConfigurationFactory {
    static func metered(_ factory: DatabaseConfigurationFactory, use: DatabaseUse) -> DatabaseConfigurationFactory {
        DatabaseConfigurationFactory { MeteredDatabaseConfiguration(inner: factory.make(), use: use) }
    }
}

private struct MeteredDriver: DatabaseDriver {
    let inner: any DatabaseDriver
    let use: DatabaseUse

    func makeDatabase(with context: DatabaseContext) -> any Database {
        let database = inner.makeDatabase(with: context)
        // Every driver we use speaks SQL; one that did not would simply go unmetered.
        guard let sql = database as? any SQLDatabase else { return database }
        return MeteredDatabase(inner: database, sql: sql, use: use)
    }

    func shutdown() { inner.shutdown() }
    func shutdownAsync() async { await inner.shutdownAsync() }
}

/// A pooled database that counts its leases and forwards everything, as Fluent and as SQL
/// (the code casts `any Database` to `any SQLDatabase` for raw statements). The database a
/// transaction's closure receives is the driver's own, bound to the leased connection.
private struct MeteredDatabase: Database, SQLDatabase {
    let inner: any Database
    let sql: any SQLDatabase
    let use: DatabaseUse

    var context: DatabaseContext { inner.context }
    var inTransaction: Bool { inner.inTransaction }

    func execute(query: DatabaseQuery, onOutput: @escaping @Sendable (any DatabaseOutput) -> Void) -> EventLoopFuture<Void> {
        use.lease { inner.execute(query: query, onOutput: onOutput) }
    }

    func execute(schema: DatabaseSchema) -> EventLoopFuture<Void> {
        use.lease { inner.execute(schema: schema) }
    }

    func execute(enum: DatabaseEnum) -> EventLoopFuture<Void> {
        use.lease { inner.execute(enum: `enum`) }
    }

    func transaction<T>(_ closure: @escaping @Sendable (any Database) -> EventLoopFuture<T>) -> EventLoopFuture<T> {
        use.lease { inner.transaction(closure) }
    }

    func withConnection<T>(_ closure: @escaping @Sendable (any Database) -> EventLoopFuture<T>) -> EventLoopFuture<T> {
        use.lease { inner.withConnection(closure) }
    }

    // MARK: SQLDatabase

    var logger: Logger { sql.logger }
    var eventLoop: any EventLoop { sql.eventLoop }
    var version: (any SQLDatabaseReportedVersion)? { sql.version }
    var dialect: any SQLDialect { sql.dialect }
    var queryLogLevel: Logger.Level? { sql.queryLogLevel }

    func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> Void) -> EventLoopFuture<Void> {
        use.lease { sql.execute(sql: query, onRow) }
    }

    func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> Void) async throws {
        try await use.lease { try await sql.execute(sql: query, onRow) }
    }

    func withSession<R>(_ closure: @escaping @Sendable (any SQLDatabase) async throws -> R) async throws -> R {
        try await use.lease { try await sql.withSession(closure) }
    }
}
