import FluentKit

/// A failure reported by MariaDB Connector/C or by the server, classified so that callers
/// (and Fluent's `DatabaseError`) can tell a constraint violation from a broken connection.
public struct MySQLError: Error, Sendable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        case duplicateKey
        case foreignKey
        case notNull
        case syntax
        case connectionLost
        case connect
        case timeout
        case other
    }

    public var kind: Kind
    /// The server's or client library's error number (e.g. 1062 ER_DUP_ENTRY).
    public var code: UInt32
    public var sqlState: String
    public var message: String

    public init(kind: Kind? = nil, code: UInt32, sqlState: String = "HY000", message: String) {
        self.kind = kind ?? Self.classify(code: code, sqlState: sqlState)
        self.code = code
        self.sqlState = sqlState
        self.message = message
    }

    public var description: String { "MySQL error \(code) (\(sqlState)): \(message)" }

    /// Error numbers from mysqld_error.h and errmsg.h. Classified by number first because
    /// several share SQLSTATE 23000.
    static func classify(code: UInt32, sqlState: String) -> Kind {
        switch code {
        case 1062, 1586, 1557, 1169: return .duplicateKey // ER_DUP_ENTRY, ER_DUP_ENTRY_WITH_KEY_NAME, …
        case 1451, 1452, 1216, 1217: return .foreignKey   // ER_ROW_IS_REFERENCED_2, ER_NO_REFERENCED_ROW_2, …
        case 1048, 1364: return .notNull                   // ER_BAD_NULL_ERROR, ER_NO_DEFAULT_FOR_FIELD
        case 1064, 1149, 1054, 1146: return .syntax        // ER_PARSE_ERROR, …, unknown column/table
        case 2006, 2013, 2055, 1927, 1053: return .connectionLost // gone, lost, lost at handshake, killed, shutdown
        case 2002, 2003, 2005, 1045, 1049: return .connect // cannot connect, unknown host, access denied, unknown db
        case 3024, 1969, 1205: return .timeout             // statement/lock wait timeouts
        default:
            if sqlState.hasPrefix("23") { return .duplicateKey }
            if sqlState.hasPrefix("42") { return .syntax }
            if sqlState.hasPrefix("08") { return .connectionLost }
            return .other
        }
    }

    /// Errors after which the connection must not be used again.
    var invalidatesConnection: Bool { kind == .connectionLost || kind == .connect || code == 2014 /* commands out of sync */ }
}

extension MySQLError: DatabaseError {
    public var isSyntaxError: Bool { kind == .syntax }
    public var isConstraintFailure: Bool { kind == .duplicateKey || kind == .foreignKey || kind == .notNull }
    public var isConnectionClosed: Bool { kind == .connectionLost }
}

/// A configuration problem: an unusable `mysql://` URL or option.
public struct MySQLConfigurationError: Error, Sendable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
