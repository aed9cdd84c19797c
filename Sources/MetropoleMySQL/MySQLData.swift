import Foundation

/// One value crossing the wire, in the shape Connector/C's binary protocol gives or takes it.
public enum MySQLData: Sendable, Equatable, CustomStringConvertible {
    case null
    case int(Int64)
    case uint(UInt64)
    case double(Double)
    /// Character data (VARCHAR, TEXT, DECIMAL, MariaDB's JSON = LONGTEXT…), UTF-8.
    case text(String)
    /// BINARY/VARBINARY/BLOB: UUIDs are stored as BINARY(16).
    case bytes([UInt8])
    /// DATETIME/TIMESTAMP/DATE, always meant as UTC.
    case date(Date)

    public var isNull: Bool { if case .null = self { true } else { false } }

    public var description: String {
        switch self {
        case .null: "NULL"
        case .int(let value): "\(value)"
        case .uint(let value): "\(value)"
        case .double(let value): "\(value)"
        case .text(let value): "\"\(value)\""
        case .bytes(let value): "0x" + value.map { String(format: "%02x", $0) }.joined()
        case .date(let value): "\(value)"
        }
    }

    // MARK: Conversions used by the decoder. Lenient where MySQL is (a SUM is DECIMAL text,
    // a COUNT is BIGINT, a BOOL is TINYINT), strict about lossy ones.

    var string: String? {
        switch self {
        case .text(let value): value
        case .bytes(let value): String(bytes: value, encoding: .utf8)
        case .int(let value): String(value)
        case .uint(let value): String(value)
        case .double(let value): String(value)
        case .date, .null: nil
        }
    }

    var int64: Int64? {
        switch self {
        case .int(let value): value
        case .uint(let value): Int64(exactly: value)
        case .double(let value): Int64(exactly: value)
        case .text(let value): Int64(value) ?? Decimal(string: value).flatMap { Int64(exactly: NSDecimalNumber(decimal: $0).doubleValue) }
        default: nil
        }
    }

    var uint64: UInt64? {
        switch self {
        case .uint(let value): value
        case .int(let value): UInt64(exactly: value)
        case .double(let value): UInt64(exactly: value)
        case .text(let value): UInt64(value)
        default: nil
        }
    }

    var double: Double? {
        switch self {
        case .double(let value): value
        case .int(let value): Double(value)
        case .uint(let value): Double(value)
        case .text(let value): Double(value)
        default: nil
        }
    }

    var bool: Bool? {
        switch self {
        case .int(let value): value != 0
        case .uint(let value): value != 0
        case .double(let value): value != 0
        case .text(let value): ["1", "true", "TRUE"].contains(value) ? true : (["0", "false", "FALSE"].contains(value) ? false : nil)
        default: nil
        }
    }

    var uuid: UUID? {
        switch self {
        case .bytes(let value) where value.count == 16:
            UUID(uuid: (value[0], value[1], value[2], value[3], value[4], value[5], value[6], value[7],
                        value[8], value[9], value[10], value[11], value[12], value[13], value[14], value[15]))
        case .bytes(let value):
            // CHAR(36) in a binary collation, as some older schemas have it.
            String(bytes: value, encoding: .utf8).flatMap(UUID.init(uuidString:))
        case .text(let value): UUID(uuidString: value)
        default: nil
        }
    }

    var date: Date? {
        switch self {
        case .date(let value): value
        case .double(let value): Date(timeIntervalSince1970: value)
        case .int(let value): Date(timeIntervalSince1970: Double(value))
        case .text(let value): MySQLDateText.parse(value)
        default: nil
        }
    }

    var bytes: [UInt8]? {
        switch self {
        case .bytes(let value): value
        case .text(let value): Array(value.utf8)
        default: nil
        }
    }

    static func uuid(_ value: UUID) -> MySQLData {
        withUnsafeBytes(of: value.uuid) { .bytes(Array($0)) }
    }
}

/// Parses "YYYY-MM-DD[ HH:MM:SS[.ffffff]]" (what a DATETIME looks like as text) as UTC.
enum MySQLDateText {
    static func parse(_ text: String) -> Date? {
        let parts = text.split(whereSeparator: { $0 == " " || $0 == "T" })
        guard let day = parts.first else { return nil }
        let ymd = day.split(separator: "-").compactMap { Int($0) }
        guard ymd.count == 3 else { return nil }
        var components = DateComponents(timeZone: .gmt, year: ymd[0], month: ymd[1], day: ymd[2])
        var fraction = 0.0
        if parts.count > 1 {
            let time = parts[1].split(separator: ":")
            guard time.count == 3, let hour = Int(time[0]), let minute = Int(time[1]), let seconds = Double(time[2]) else { return nil }
            components.hour = hour
            components.minute = minute
            components.second = Int(seconds)
            fraction = seconds - seconds.rounded(.down)
        }
        return Calendar.utc.date(from: components).map { $0.addingTimeInterval(fraction) }
    }
}

extension Calendar {
    static let utc: Calendar = {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = .gmt
        return calendar
    }()
}
