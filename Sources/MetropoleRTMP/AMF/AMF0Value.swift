/// An AMF0 value (Adobe "Action Message Format -- AMF 0"), as RTMP commands and metadata carry them.
enum AMF0Value: Equatable, Sendable {
    case number(Double)
    case boolean(Bool)
    /// Short (0x02) and long (0x0C) strings alike; encoding picks the form by length.
    case string(String)
    case object([AMF0Property])
    case null
    case undefined
    /// Encoded with its count hint; decoding reads to the object end marker.
    case ecmaArray([AMF0Property])
    case strictArray([AMF0Value])
    /// Milliseconds since the Unix epoch; the time zone field is reserved and kept as read.
    case date(Double, timeZone: Int16)

    /// The value under `key` of an object or ECMA array.
    subscript(key: String) -> AMF0Value? {
        switch self {
        case .object(let properties), .ecmaArray(let properties):
            properties.first { $0.key == key }?.value
        default:
            nil
        }
    }

    var stringValue: String? {
        if case .string(let value) = self { value } else { nil }
    }

    var numberValue: Double? {
        if case .number(let value) = self { value } else { nil }
    }
}

/// One key/value pair of an AMF0 object or ECMA array, in wire order.
struct AMF0Property: Equatable, Sendable {
    var key: String
    var value: AMF0Value

    init(_ key: String, _ value: AMF0Value) {
        self.key = key
        self.value = value
    }
}

extension AMF0Value: ExpressibleByStringLiteral, ExpressibleByFloatLiteral, ExpressibleByIntegerLiteral, ExpressibleByBooleanLiteral {
    init(stringLiteral value: String) { self = .string(value) }
    init(floatLiteral value: Double) { self = .number(value) }
    init(integerLiteral value: Int) { self = .number(Double(value)) }
    init(booleanLiteral value: Bool) { self = .boolean(value) }
}

enum AMF0Error: Error, Equatable, Sendable, CustomStringConvertible {
    case truncated
    case unsupportedMarker(UInt8)
    case tooDeep(limit: Int)

    var description: String {
        switch self {
        case .truncated: "truncated AMF0 value"
        case .unsupportedMarker(let marker): "unsupported AMF0 type marker 0x\(String(marker, radix: 16))"
        case .tooDeep(let limit): "AMF0 values nested deeper than \(limit)"
        }
    }
}
