import Foundation

/// Where the database lives, parsed from `DATABASE_URL`.
public enum DatabaseLocation: Sendable, Equatable {
    case sqlite(path: String)
    case mysql(URL)
    case postgres(URL)

    public struct ParseError: Error, CustomStringConvertible {
        public var description: String
    }

    public init(parsing raw: String) throws(ParseError) {
        guard let components = URLComponents(string: raw), let scheme = components.scheme?.lowercased() else {
            throw ParseError(description: "\"\(raw)\" is not a URL (expected sqlite:///path, mysql://… or postgres://…)")
        }
        switch scheme {
        case "sqlite", "sqlite3":
            // sqlite:///abs/path or sqlite://relative/path; both are file paths on this machine.
            let path = (components.host.map { $0.isEmpty ? "" : $0 } ?? "") + components.path
            guard !path.isEmpty else { throw ParseError(description: "sqlite URL needs a file path, e.g. sqlite:///var/lib/metropole/db.sqlite") }
            self = .sqlite(path: path)
        case "mysql", "mariadb":
            guard let url = URL(string: raw), url.host != nil else { throw ParseError(description: "\"\(raw)\" has no host") }
            self = .mysql(url)
        case "postgres", "postgresql":
            guard let url = URL(string: raw), url.host != nil else { throw ParseError(description: "\"\(raw)\" has no host") }
            self = .postgres(url)
        default:
            throw ParseError(description: "unknown scheme \"\(scheme)\" (expected sqlite, mysql or postgres)")
        }
    }
}
