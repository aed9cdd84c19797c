import CMariaDB
import CMariaDBShim
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// What a statement reported besides its rows.
public struct MySQLExecutionResult: Sendable {
    public var affectedRows: UInt64
    /// AUTO_INCREMENT value of the last INSERT: MySQL has no RETURNING.
    public var lastInsertID: UInt64?
}

/// One Connector/C connection. Every method blocks, so it is only ever called from a thread of
/// the pool's `NIOThreadPool`, and only by the task that leased it: one thread at a time.
final class MySQLConnection: @unchecked Sendable {
    private let handle: UnsafeMutablePointer<MYSQL>
    private var statements: [String: UnsafeMutablePointer<MYSQL_STMT>] = [:]
    private let statementCacheSize: Int
    /// Uncontended in correct use (a lease is one task). It turns misuse, such as a Fluent
    /// database kept past its `withConnection` closure, into waiting instead of two threads
    /// corrupting one Connector/C handle.
    private let lock = NSLock()
    /// Set after an error that leaves the connection unusable; the pool then discards it.
    private(set) var isBroken = false
    private var isClosed = false
    /// Counters for tests and logs: how often a statement was prepared, and reused.
    private(set) var prepareCount = 0
    private(set) var reuseCount = 0
    let serverThreadID: UInt

    private init(handle: UnsafeMutablePointer<MYSQL>, statementCacheSize: Int) {
        self.handle = handle
        self.statementCacheSize = statementCacheSize
        self.serverThreadID = UInt(mysql_thread_id(handle))
    }

    static let libraryReady: Bool = metropole_mysql_library_init() == 0

    static func connect(_ configuration: MySQLConfiguration) throws(MySQLError) -> MySQLConnection {
        guard libraryReady, let handle = mysql_init(nil) else {
            throw MySQLError(kind: .connect, code: 2008, message: "MariaDB Connector/C could not initialise (out of memory?)")
        }
        _ = metropole_set_uint_option(handle, MYSQL_OPT_CONNECT_TIMEOUT, configuration.connectTimeoutSeconds)
        _ = metropole_set_uint_option(handle, MYSQL_OPT_READ_TIMEOUT, configuration.readTimeoutSeconds)
        _ = metropole_set_uint_option(handle, MYSQL_OPT_WRITE_TIMEOUT, configuration.writeTimeoutSeconds)
        // utf8mb4: four-byte UTF-8, so emoji in chat and titles survive.
        _ = mysql_options(handle, MYSQL_SET_CHARSET_NAME, "utf8mb4")
        switch configuration.tlsMode {
        case .disabled:
            break
        case .preferred:
            _ = mysql_ssl_set(handle, nil, nil, configuration.tlsCAFile, nil, nil)
        case .required, .verifyCA, .verifyIdentity:
            _ = metropole_set_bool_option(handle, MYSQL_OPT_SSL_ENFORCE, true)
            if let ca = configuration.tlsCAFile { _ = mysql_options(handle, MYSQL_OPT_SSL_CA, ca) }
            _ = metropole_set_bool_option(handle, MYSQL_OPT_SSL_VERIFY_SERVER_CERT, configuration.tlsMode != .required)
        }
        let connected = mysql_real_connect(
            handle, configuration.unixSocket == nil ? configuration.host : nil, configuration.username,
            configuration.password, configuration.database, UInt32(configuration.port), configuration.unixSocket, 0
        )
        guard connected != nil else {
            let error = Self.error(of: handle, kind: .connect)
            mysql_close(handle)
            throw error
        }
        let connection = MySQLConnection(handle: handle, statementCacheSize: configuration.statementCacheSize)
        // Dates are stored and compared in UTC whatever the server's zone.
        try connection.simple("SET time_zone = '+00:00'")
        return connection
    }

    func close() {
        lock.lock()
        defer { lock.unlock() }
        guard !isClosed else { return }
        isClosed = true
        isBroken = true
        for statement in statements.values { mysql_stmt_close(statement) }
        statements.removeAll()
        mysql_close(handle)
    }

    /// True unless the server has closed its end while the connection sat idle (a killed
    /// connection, a restart, wait_timeout): an idle socket must not be readable.
    func looksAlive() -> Bool {
        guard !isBroken else { return false }
        let socket = mysql_get_socket(handle)
        guard socket >= 0 else { return false }
        var descriptor = pollfd(fd: Int32(socket), events: Int16(POLLIN), revents: 0)
        let ready = poll(&descriptor, 1, 0)
        return ready == 0
    }

    /// A statement without binds or results, over the text protocol.
    func simple(_ sql: String) throws(MySQLError) {
        lock.lock()
        defer { lock.unlock() }
        guard !isClosed else { throw Self.closedError }
        if mysql_real_query(handle, sql, UInt(sql.utf8.count)) != 0 { throw fail(Self.error(of: handle)) }
        if let result = mysql_store_result(handle) { mysql_free_result(result) }
    }

    /// Runs `sql` as a prepared statement (cached per connection for DML), binding `binds`.
    func execute(_ sql: String, _ binds: [MySQLData], onRow: (MySQLRow) -> Void) throws(MySQLError) -> MySQLExecutionResult {
        lock.lock()
        defer { lock.unlock() }
        guard !isClosed else { throw Self.closedError }
        let statement = try statement(for: sql)
        let cacheable = statements[sql] == statement
        defer { if !cacheable { mysql_stmt_close(statement) } }
        do {
            return try run(statement, sql: sql, binds: binds, onRow: onRow)
        } catch let error where error.code == 1615 && cacheable {
            // ER_NEED_REPREPARE: a table changed under a cached statement; prepare afresh once.
            statements[sql] = nil
            mysql_stmt_close(statement)
            let fresh = try prepare(sql)
            defer { mysql_stmt_close(fresh) }
            return try run(fresh, sql: sql, binds: binds, onRow: onRow)
        }
    }

    private func statement(for sql: String) throws(MySQLError) -> UnsafeMutablePointer<MYSQL_STMT> {
        if let cached = statements[sql] {
            reuseCount += 1
            return cached
        }
        let statement = try prepare(sql)
        if Self.isCacheable(sql) {
            // A full cache is emptied rather than tracked per entry: the application's statement
            // set is small and fixed, so this only happens under ad-hoc SQL.
            if statements.count >= statementCacheSize {
                for old in statements.values { mysql_stmt_close(old) }
                statements.removeAll()
            }
            statements[sql] = statement
        }
        return statement
    }

    private func prepare(_ sql: String) throws(MySQLError) -> UnsafeMutablePointer<MYSQL_STMT> {
        guard let statement = mysql_stmt_init(handle) else { throw fail(Self.error(of: handle)) }
        _ = metropole_stmt_update_max_length(statement)
        if mysql_stmt_prepare(statement, sql, UInt(sql.utf8.count)) != 0 {
            let error = Self.error(of: statement)
            mysql_stmt_close(statement)
            throw fail(error)
        }
        prepareCount += 1
        return statement
    }

    /// Schema statements change what cached plans mean; only DML is kept.
    private static func isCacheable(_ sql: String) -> Bool {
        let head = sql.prefix(7).uppercased()
        return head.hasPrefix("SELECT") || head.hasPrefix("INSERT") || head.hasPrefix("UPDATE")
            || head.hasPrefix("DELETE") || head.hasPrefix("REPLACE") || head.hasPrefix("WITH")
    }

    private func run(_ statement: UnsafeMutablePointer<MYSQL_STMT>, sql: String, binds: [MySQLData], onRow: (MySQLRow) -> Void) throws(MySQLError) -> MySQLExecutionResult {
        let expected = Int(mysql_stmt_param_count(statement))
        guard expected == binds.count else {
            throw MySQLError(kind: .syntax, code: 2034, message: "statement has \(expected) placeholders but \(binds.count) values were bound: \(sql)")
        }
        let parameters = BindSet(count: binds.count)
        defer { parameters.release() }
        for (index, value) in binds.enumerated() { parameters.setParameter(index, value) }
        if !binds.isEmpty, mysql_stmt_bind_param(statement, parameters.binds) != 0 { throw fail(Self.error(of: statement)) }
        if mysql_stmt_execute(statement) != 0 { throw fail(Self.error(of: statement)) }

        guard let metadata = mysql_stmt_result_metadata(statement) else {
            let insertID = mysql_stmt_insert_id(statement)
            return MySQLExecutionResult(affectedRows: mysql_stmt_affected_rows(statement), lastInsertID: insertID == 0 ? nil : insertID)
        }
        defer {
            mysql_free_result(metadata)
            mysql_stmt_free_result(statement)
        }
        if mysql_stmt_store_result(statement) != 0 { throw fail(Self.error(of: statement)) }
        let count = Int(mysql_num_fields(metadata))
        guard let fields = mysql_fetch_fields(metadata) else { throw fail(Self.error(of: statement)) }
        let columns = MySQLColumns(names: (0..<count).map { String(cString: fields[$0].name) })
        let results = BindSet(count: count)
        defer { results.release() }
        for index in 0..<count { results.prepareResult(index, field: fields[index]) }
        if mysql_stmt_bind_result(statement, results.binds) != 0 { throw fail(Self.error(of: statement)) }
        var rows = 0
        while true {
            let status = mysql_stmt_fetch(statement)
            if status == MYSQL_NO_DATA { break }
            if status == 1 { throw fail(Self.error(of: statement)) }
            var values: [MySQLData] = []
            values.reserveCapacity(count)
            for index in 0..<count {
                values.append(try results.resultValue(index, field: fields[index], statement: statement))
            }
            onRow(MySQLRow(columns: columns, values: values))
            rows += 1
        }
        return MySQLExecutionResult(affectedRows: UInt64(rows), lastInsertID: nil)
    }

    private static let closedError = MySQLError(kind: .connectionLost, code: 2006, message: "this MySQL connection was closed")

    /// Marks the connection broken when the error means the session is gone.
    private func fail(_ error: MySQLError) -> MySQLError {
        if error.invalidatesConnection { isBroken = true }
        return error
    }

    private static func error(of handle: UnsafeMutablePointer<MYSQL>, kind: MySQLError.Kind? = nil) -> MySQLError {
        MySQLError(kind: kind, code: mysql_errno(handle), sqlState: String(cString: mysql_sqlstate(handle)), message: String(cString: mysql_error(handle)))
    }

    private static func error(of statement: UnsafeMutablePointer<MYSQL_STMT>) -> MySQLError {
        MySQLError(code: mysql_stmt_errno(statement), sqlState: String(cString: mysql_stmt_sqlstate(statement)), message: String(cString: mysql_stmt_error(statement)))
    }
}
