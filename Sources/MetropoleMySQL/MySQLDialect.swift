import SQLKit

/// MySQL/MariaDB SQL. Named exactly "mysql": FluentSQL and SQLKit check that name to emit
/// MySQL's own forms (DROP FOREIGN KEY / DROP KEY, ON DUPLICATE KEY UPDATE…).
public struct MySQLDialect: SQLDialect {
    public init() {}

    public var name: String { "mysql" }
    public var identifierQuote: any SQLExpression { SQLRaw("`") }
    public var literalStringQuote: any SQLExpression { SQLRaw("'") }
    public func bindPlaceholder(at position: Int) -> any SQLExpression { SQLRaw("?") }
    public func literalBoolean(_ value: Bool) -> any SQLExpression { SQLRaw(value ? "1" : "0") }
    public var autoIncrementClause: any SQLExpression { SQLRaw("AUTO_INCREMENT") }
    public var supportsAutoIncrement: Bool { true }
    public var enumSyntax: SQLEnumSyntax { .inline }
    public var supportsReturning: Bool { false }
    public var upsertSyntax: SQLUpsertSyntax { .mysqlLike }
    public var unionFeatures: SQLUnionFeatures { [.union, .unionAll, .parenthesizedSubqueries] }
    public var sharedSelectLockExpression: (any SQLExpression)? { SQLRaw("LOCK IN SHARE MODE") }
    public var exclusiveSelectLockExpression: (any SQLExpression)? { SQLRaw("FOR UPDATE") }
    public var triggerSyntax: SQLTriggerSyntax { .init(create: [.supportsBody, .conditionRequiresParentheses, .supportsOrder], drop: []) }
    public var alterTableSyntax: SQLAlterTableSyntax {
        .init(alterColumnDefinitionClause: SQLRaw("MODIFY COLUMN"), alterColumnDefinitionTypeKeyword: nil)
    }

    public func customDataType(for dataType: SQLDataType) -> (any SQLExpression)? {
        // TEXT cannot be indexed without a prefix length; VARCHAR(255) in utf8mb4 can.
        if case .text = dataType { return SQLRaw("VARCHAR(255)") }
        return nil
    }

    /// Identifiers are limited to 64 characters; Fluent's constraint names
    /// ("uq:follows.follower_id+follows.followed_id") grow past that. Long ones keep a readable
    /// prefix and a hash of the whole name, so create and drop compute the same name.
    public func normalizeSQLConstraint(identifier: any SQLExpression) -> any SQLExpression {
        guard let identifier = identifier as? SQLIdentifier else { return identifier }
        return SQLIdentifier(Self.shortConstraintName(identifier.string))
    }

    public static func shortConstraintName(_ name: String) -> String {
        guard name.utf8.count > 64 else { return name }
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325 // FNV-1a: stable across runs and platforms
        for byte in name.utf8 {
            hash ^= UInt64(byte)
            hash &*= 0x0000_0100_0000_01b3
        }
        let suffix = String(hash, radix: 16)
        let prefix = String(decoding: Array(name.utf8.prefix(47)), as: UTF8.self)
        return prefix + "_" + String(repeating: "0", count: 16 - suffix.count) + suffix
    }

    public func nestedSubpathExpression(in column: any SQLExpression, for path: [String]) -> (any SQLExpression)? {
        guard !path.isEmpty else { return nil }
        return SQLFunction("json_unquote", args: SQLFunction("json_extract", args: [column, SQLLiteral.string("$.\(path.joined(separator: "."))")]))
    }
}
