import Foundation

// Binds arrive as `any Encodable` and columns leave as `any Decodable`. Known scalar types map
// directly; anything that encodes as a keyed or unkeyed container is stored as JSON text,
// which is how MariaDB keeps JSON columns (LONGTEXT with a JSON_VALID check).

enum MySQLDataEncoder {
    static func encode(_ value: any Encodable) throws -> MySQLData {
        if let direct = direct(value) { return direct }
        let capture = ScalarCapture()
        try value.encode(to: capture)
        if !capture.needsJSON, let captured = capture.value { return captured }
        let encoded = try JSONEncoder().encode(value)
        return .text(String(decoding: encoded, as: UTF8.self))
    }

    static func direct(_ value: Any) -> MySQLData? {
        // An empty array of any element type casts to [UInt8]; only a real [UInt8] is bytes.
        if type(of: value) == [UInt8].self, let bytes = value as? [UInt8] { return .bytes(bytes) }
        return switch value {
        case let value as MySQLData: value
        case let value as String: .text(value)
        case let value as Substring: .text(String(value))
        case let value as Bool: .int(value ? 1 : 0)
        case let value as Int: .int(Int64(value))
        case let value as Int8: .int(Int64(value))
        case let value as Int16: .int(Int64(value))
        case let value as Int32: .int(Int64(value))
        case let value as Int64: .int(value)
        case let value as UInt: .uint(UInt64(value))
        case let value as UInt8: .uint(UInt64(value))
        case let value as UInt16: .uint(UInt64(value))
        case let value as UInt32: .uint(UInt64(value))
        case let value as UInt64: .uint(value)
        case let value as Double: .double(value)
        case let value as Float: .double(Double(value))
        case let value as Decimal: .text(value.description)
        case let value as Date: .date(value)
        case let value as UUID: .uuid(value)
        case let value as Data: .bytes(Array(value))
        case let value as any OptionalMarker: value.isNil ? .null : nil
        default: nil
        }
    }
}

private protocol OptionalMarker { var isNil: Bool { get } }
extension Optional: OptionalMarker { var isNil: Bool { self == nil } }

/// Records the single value a type encodes (a `String` raw value, a wrapped `Int`…); notes
/// when it wants a container instead, which means JSON.
private final class ScalarCapture: Encoder, SingleValueEncodingContainer {
    var value: MySQLData?
    var needsJSON = false
    var codingPath: [any CodingKey] = []
    var userInfo: [CodingUserInfoKey: Any] = [:]

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        needsJSON = true
        return KeyedEncodingContainer(IgnoringKeyed<Key>())
    }
    func unkeyedContainer() -> any UnkeyedEncodingContainer { needsJSON = true; return IgnoringUnkeyed() }
    func singleValueContainer() -> any SingleValueEncodingContainer { self }

    func encodeNil() throws { value = .null }
    func encode<T: Encodable>(_ value: T) throws {
        if let direct = MySQLDataEncoder.direct(value) { self.value = direct } else { try value.encode(to: self) }
    }
}

private struct IgnoringKeyed<Key: CodingKey>: KeyedEncodingContainerProtocol {
    var codingPath: [any CodingKey] = []
    mutating func encodeNil(forKey key: Key) throws {}
    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {}
    mutating func nestedContainer<N: CodingKey>(keyedBy keyType: N.Type, forKey key: Key) -> KeyedEncodingContainer<N> { .init(IgnoringKeyed<N>()) }
    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer { IgnoringUnkeyed() }
    mutating func superEncoder() -> any Encoder { ScalarCapture() }
    mutating func superEncoder(forKey key: Key) -> any Encoder { ScalarCapture() }
}

private struct IgnoringUnkeyed: UnkeyedEncodingContainer {
    var codingPath: [any CodingKey] = []
    var count = 0
    mutating func encodeNil() throws {}
    mutating func encode<T: Encodable>(_ value: T) throws {}
    mutating func nestedContainer<N: CodingKey>(keyedBy keyType: N.Type) -> KeyedEncodingContainer<N> { .init(IgnoringKeyed<N>()) }
    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer { IgnoringUnkeyed() }
    mutating func superEncoder() -> any Encoder { ScalarCapture() }
}

enum MySQLDataDecoder {
    static func decode<T: Decodable>(_ type: T.Type, from data: MySQLData, column: String) throws -> T {
        do {
            return try ScalarDecoder(data: data, column: column).singleValue(T.self)
        } catch is NeedsJSON {
            guard let bytes = data.bytes else { throw mismatch(T.self, data, column) }
            return try JSONDecoder().decode(T.self, from: Data(bytes))
        }
    }

    static func mismatch(_ type: Any.Type, _ data: MySQLData, _ column: String) -> DecodingError {
        .typeMismatch(type, .init(codingPath: [], debugDescription: "column \(column): cannot read \(data) as \(type)"))
    }
}

private struct NeedsJSON: Error {}

private struct ScalarDecoder: Decoder, SingleValueDecodingContainer {
    let data: MySQLData
    let column: String
    var codingPath: [any CodingKey] { [] }
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> { throw NeedsJSON() }
    func unkeyedContainer() throws -> any UnkeyedDecodingContainer { throw NeedsJSON() }
    func singleValueContainer() throws -> any SingleValueDecodingContainer { self }

    func decodeNil() -> Bool { data.isNull }

    private func need<V>(_ value: V?, _ type: Any.Type) throws -> V {
        guard let value else {
            if data.isNull { throw DecodingError.valueNotFound(type, .init(codingPath: [], debugDescription: "column \(column) is NULL")) }
            throw MySQLDataDecoder.mismatch(type, data, column)
        }
        return value
    }
    private func integer<I: FixedWidthInteger>(_ type: I.Type) throws -> I {
        if let signed = data.int64, let value = I(exactly: signed) { return value }
        if let unsigned = data.uint64, let value = I(exactly: unsigned) { return value }
        return try need(nil, type)
    }

    func decode(_ type: Bool.Type) throws -> Bool { try need(data.bool, type) }
    func decode(_ type: String.Type) throws -> String { try need(data.string, type) }
    func decode(_ type: Double.Type) throws -> Double { try need(data.double, type) }
    func decode(_ type: Float.Type) throws -> Float { Float(try need(data.double, type)) }
    func decode(_ type: Int.Type) throws -> Int { try integer(type) }
    func decode(_ type: Int8.Type) throws -> Int8 { try integer(type) }
    func decode(_ type: Int16.Type) throws -> Int16 { try integer(type) }
    func decode(_ type: Int32.Type) throws -> Int32 { try integer(type) }
    func decode(_ type: Int64.Type) throws -> Int64 { try integer(type) }
    func decode(_ type: UInt.Type) throws -> UInt { try integer(type) }
    func decode(_ type: UInt8.Type) throws -> UInt8 { try integer(type) }
    func decode(_ type: UInt16.Type) throws -> UInt16 { try integer(type) }
    func decode(_ type: UInt32.Type) throws -> UInt32 { try integer(type) }
    func decode(_ type: UInt64.Type) throws -> UInt64 { try integer(type) }
    func decode<T: Decodable>(_ type: T.Type) throws -> T { try singleValue(type) }

    func singleValue<T: Decodable>(_ type: T.Type) throws -> T {
        let value: Any?
        switch type {
        case is UUID.Type: value = try need(data.uuid, type)
        case is Date.Type: value = try need(data.date, type)
        case is Data.Type: value = Data(try need(data.bytes, type))
        case is [UInt8].Type: value = try need(data.bytes, type)
        case is Decimal.Type: value = try need(data.string.flatMap { Decimal(string: $0) }, type)
        case is MySQLData.Type: value = data
        case is String.Type: value = try decode(String.self)
        case is Bool.Type: value = try decode(Bool.self)
        case is Int.Type: value = try decode(Int.self)
        case is Int64.Type: value = try decode(Int64.self)
        case is Double.Type: value = try decode(Double.self)
        default: value = nil
        }
        if let value {
            guard let typed = value as? T else { throw MySQLDataDecoder.mismatch(type, data, column) }
            return typed
        }
        // Optionals, RawRepresentable enums and wrappers come back through `decode` above;
        // keyed or unkeyed types throw NeedsJSON and are read as JSON text.
        return try T(from: self)
    }
}
