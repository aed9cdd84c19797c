import Foundation

/// Where and how to connect, usually parsed from `mysql://user:pass@host:3306/db?ssl-mode=REQUIRED`.
public struct MySQLConfiguration: Sendable {
    public enum TLSMode: String, Sendable {
        /// No TLS (the default on loopback).
        case disabled = "DISABLED"
        /// TLS if the server offers it.
        case preferred = "PREFERRED"
        /// TLS required, certificate not verified.
        case required = "REQUIRED"
        /// TLS required and the certificate checked against `tlsCAFile`.
        case verifyCA = "VERIFY_CA"
        /// As `verifyCA`, and the host name must match.
        case verifyIdentity = "VERIFY_IDENTITY"
    }

    public var host: String
    public var port: Int
    public var username: String
    public var password: String?
    public var database: String?
    /// A Unix socket path; when set, `host` and `port` are ignored.
    public var unixSocket: String?
    public var tlsMode: TLSMode = .disabled
    public var tlsCAFile: String?
    public var connectTimeoutSeconds: UInt32 = 10
    /// Bounds each network read/write, so a dead server fails a query instead of hanging it.
    public var readTimeoutSeconds: UInt32 = 60
    public var writeTimeoutSeconds: UInt32 = 60
    /// Connections (and driver threads) at most; each thread uses one connection at a time.
    public var maxConnections: Int = 8
    /// How long a query waits for a free connection before failing.
    public var poolTimeoutSeconds: Double = 10
    /// Prepared statements kept per connection.
    public var statementCacheSize: Int = 128

    public init(host: String, port: Int = 3306, username: String, password: String? = nil, database: String? = nil) {
        self.host = host
        self.port = port
        self.username = username
        self.password = password
        self.database = database
    }

    /// Parses `mysql://` (or `mariadb://`) URLs. Query options: `ssl-mode`, `ssl-ca`,
    /// `connect-timeout`, `read-timeout`, `write-timeout`, `pool-size`, `socket`.
    public init(url: URL) throws(MySQLConfigurationError) {
        guard let components = URLComponents(url: url, resolvingAgainstBaseURL: false),
              let scheme = components.scheme?.lowercased(), scheme == "mysql" || scheme == "mariadb" else {
            throw MySQLConfigurationError("\(url.absoluteString) is not a mysql:// URL")
        }
        guard let host = components.host, !host.isEmpty else {
            throw MySQLConfigurationError("mysql URL has no host, e.g. mysql://metropole:secret@127.0.0.1:3306/metropole")
        }
        guard let user = components.percentEncodedUser?.removingPercentEncoding, !user.isEmpty else {
            throw MySQLConfigurationError("mysql URL has no user name, e.g. mysql://metropole:secret@\(host)/metropole")
        }
        self.init(host: host, port: components.port ?? 3306, username: user,
                  password: components.percentEncodedPassword?.removingPercentEncoding)
        let path = components.path.hasPrefix("/") ? String(components.path.dropFirst()) : components.path
        database = path.isEmpty ? nil : path
        for item in components.queryItems ?? [] {
            let value = item.value ?? ""
            switch item.name.lowercased() {
            case "ssl-mode", "sslmode", "tls":
                guard let mode = TLSMode(rawValue: value.uppercased().replacingOccurrences(of: "-", with: "_")) else {
                    throw MySQLConfigurationError("ssl-mode=\(value) is not one of DISABLED, PREFERRED, REQUIRED, VERIFY_CA, VERIFY_IDENTITY")
                }
                tlsMode = mode
            case "ssl-ca": tlsCAFile = value
            case "socket": unixSocket = value
            case "connect-timeout": connectTimeoutSeconds = try Self.number(item.name, value)
            case "read-timeout": readTimeoutSeconds = try Self.number(item.name, value)
            case "write-timeout": writeTimeoutSeconds = try Self.number(item.name, value)
            case "pool-size": maxConnections = max(1, Int(try Self.number(item.name, value)))
            default:
                throw MySQLConfigurationError("unknown mysql URL option \"\(item.name)\" (known: ssl-mode, ssl-ca, socket, connect-timeout, read-timeout, write-timeout, pool-size)")
            }
        }
    }

    private static func number(_ name: String, _ value: String) throws(MySQLConfigurationError) -> UInt32 {
        guard let number = UInt32(value) else { throw MySQLConfigurationError("mysql URL option \(name)=\(value) must be a whole number") }
        return number
    }
}
