import SQLKit

/// One result row: the values by position, the names shared with the other rows.
public struct MySQLRow: SQLRow, Sendable, CustomStringConvertible {
    let columns: MySQLColumns
    public let values: [MySQLData]

    public var allColumns: [String] { columns.names }

    public func contains(column: String) -> Bool { columns.index[column] != nil }

    public func value(_ column: String) -> MySQLData? { columns.index[column].map { values[$0] } }

    public func decodeNil(column: String) throws -> Bool {
        guard let value = value(column) else { throw missing(column) }
        return value.isNull
    }

    public func decode<D: Decodable>(column: String, as type: D.Type) throws -> D {
        guard let value = value(column) else { throw missing(column) }
        return try MySQLDataDecoder.decode(D.self, from: value, column: column)
    }

    private func missing(_ column: String) -> DecodingError {
        .keyNotFound(SQLCodingKey(column), .init(codingPath: [], debugDescription: "no column \"\(column)\" in the row (columns: \(columns.names.joined(separator: ", ")))"))
    }

    public var description: String {
        "[" + zip(columns.names, values).map { "\($0): \($1)" }.joined(separator: ", ") + "]"
    }
}

private struct SQLCodingKey: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(_ string: String) { stringValue = string }
    init?(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}
