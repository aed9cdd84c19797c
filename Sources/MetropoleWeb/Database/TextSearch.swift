import Fluent
import FluentSQL
import SQLKit

/// Case-insensitive "contains" for search boxes: the one place where the SQL differs per
/// backend. It is chosen when the statement is serialized, from the dialect of the database
/// that runs it, so callers stay plain Fluent.
///
/// The term is lower-cased in Swift and compared with `LOWER(column)`; LIKE wildcards in the
/// term are escaped, so "100%" finds "100%", not everything.
struct CaseInsensitiveContains: SQLExpression {
    let column: any SQLExpression
    let term: String

    init(_ column: any SQLExpression, _ term: String) {
        self.column = column
        self.term = term
    }

    /// "!" escapes; unlike "\\" it means the same in SQLite, MySQL and PostgreSQL string literals.
    static func pattern(for term: String) -> String {
        var escaped = ""
        for character in term.lowercased() {
            if character == "!" || character == "%" || character == "_" { escaped.append("!") }
            escaped.append(character)
        }
        return "%\(escaped)%"
    }

    func serialize(to serializer: inout SQLSerializer) {
        let lowered = SQLFunction("LOWER", args: column)
        let subject: any SQLExpression = switch serializer.dialect.name {
        // MySQL's default collations fold accents as well as case ("e" would match "é"); a binary
        // collation on the lowered text leaves only the case folding.
        case "mysql": SQLKit.SQLList([lowered, SQLRaw("COLLATE utf8mb4_bin")], separator: SQLRaw(" "))
        default: lowered
        }
        SQLKit.SQLList([subject, SQLRaw("LIKE"), SQLBind(Self.pattern(for: term)), SQLRaw("ESCAPE '!'")], separator: SQLRaw(" "))
            .serialize(to: &serializer)
    }
}

extension DatabaseQuery.Filter {
    /// `table.column` contains `term`, ignoring case, on every backend.
    static func containsIgnoringCase(_ table: String, _ column: String, _ term: String) -> Self {
        .sql(CaseInsensitiveContains(SQLColumn(column, table: table), term))
    }
}
