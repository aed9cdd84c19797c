import Fluent
import FluentPostgresDriver
import FluentSQLiteDriver
import Foundation
#if MySQL
import MetropoleMySQL
#endif
import Vapor

/// Registers the database `DATABASE_URL` names as the default. The domain code only ever sees
/// Fluent; the one place where backends need different SQL is `CaseInsensitiveContains`.
/// Its leases are counted for `/metrics` (`DatabaseUse`).
func configureDatabase(_ app: Application, location: DatabaseLocation) throws {
    let (factory, id) = try databaseFactory(for: location)
    let use = DatabaseUse(poolSize: poolSize(for: location, eventLoops: app.eventLoopGroup.makeIterator().reduce(0) { count, _ in count + 1 }))
    app.databaseUse = use
    app.databases.use(.metered(factory, use: use), as: id)
}

/// Postgres connections per event loop (the driver keeps a pool per loop).
private let postgresConnectionsPerEventLoop = 4

/// The connections `databaseFactory(for:)` lets the driver open.
private func poolSize(for location: DatabaseLocation, eventLoops: Int) -> Int {
    switch location {
    // The SQLite driver opens one connection per event loop, whatever it is told (FluentSQLiteDriver 4.8).
    case .sqlite: eventLoops
    case .postgres: postgresConnectionsPerEventLoop * eventLoops
    case .mysql(let url):
        #if MySQL
        (try? MySQLConfiguration(url: url).maxConnections) ?? 0
        #else
        0
        #endif
    }
}

/// The Fluent configuration for `location`, or one line naming DATABASE_URL and what to do.
func databaseFactory(for location: DatabaseLocation) throws(AppConfiguration.Error) -> (DatabaseConfigurationFactory, DatabaseID) {
    switch location {
    case .sqlite(let path):
        return (.sqlite(.file(path)), .sqlite)
    case .mysql(let url):
        #if MySQL
        do {
            return (try .mysql(url: url, sqlLogLevel: .debug), .mysql)
        } catch {
            throw AppConfiguration.Error(variable: "DATABASE_URL", problem: "cannot use \(url.redactingPassword): \(error)")
        }
        #else
        throw AppConfiguration.Error(
            variable: "DATABASE_URL",
            problem: "mysql:// needs a build with MySQL support: apt-get install libmariadb-dev, then swift build --traits MySQL (or leave DATABASE_URL unset for SQLite)"
        )
        #endif
    case .postgres(let url):
        do {
            // postgres-kit reads `?sslmode=` (disable, prefer, require) from the URL.
            let configuration = try SQLPostgresConfiguration(url: url)
            return (.postgres(configuration: configuration, maxConnectionsPerEventLoop: postgresConnectionsPerEventLoop), .psql)
        } catch {
            throw AppConfiguration.Error(variable: "DATABASE_URL", problem: "cannot use \(url.redactingPassword): \(error)")
        }
    }
}

/// Switches a SQLite database to write-ahead logging, so readers and the writer work at once.
/// The mode persists in the file; setting it again is harmless.
func enableWriteAheadLog(_ app: Application, location: DatabaseLocation) async throws {
    guard case .sqlite = location, let sql = app.db as? any SQLDatabase else { return }
    try await sql.raw("PRAGMA journal_mode=WAL").run()
}

extension URL {
    /// The URL with its password replaced, for error messages and logs.
    var redactingPassword: String {
        guard var components = URLComponents(url: self, resolvingAgainstBaseURL: false), components.password != nil else { return absoluteString }
        components.password = "***"
        return components.string ?? absoluteString
    }
}

extension Application {
    private struct DatabaseUseKey: StorageKey { typealias Value = DatabaseUse }

    /// The default database's lease counts; `nil` in tools that configure databases themselves.
    var databaseUse: DatabaseUse? {
        get { storage[DatabaseUseKey.self] }
        set { storage[DatabaseUseKey.self] = newValue }
    }
}
