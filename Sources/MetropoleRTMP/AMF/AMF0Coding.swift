import NIOCore

/// AMF0 type markers.
private enum Marker {
    static let number: UInt8 = 0x00
    static let boolean: UInt8 = 0x01
    static let string: UInt8 = 0x02
    static let object: UInt8 = 0x03
    static let null: UInt8 = 0x05
    static let undefined: UInt8 = 0x06
    static let ecmaArray: UInt8 = 0x08
    static let objectEnd: UInt8 = 0x09
    static let strictArray: UInt8 = 0x0A
    static let date: UInt8 = 0x0B
    static let longString: UInt8 = 0x0C
    static let xmlDocument: UInt8 = 0x0F
}

extension AMF0Value {
    /// Objects and arrays nest at most this deep; real commands and metadata use 2 or 3.
    static let maxDepth = 32
}

extension ByteBuffer {
    /// Reads one AMF0 value. A message holds whole values, so running short is an error, not a
    /// wait; on error the reader index is unspecified.
    mutating func readAMF0Value() throws(AMF0Error) -> AMF0Value {
        try readAMF0Value(depth: 0)
    }

    /// Reads values until the buffer is empty, as command and data messages are laid out.
    mutating func readAMF0Values() throws(AMF0Error) -> [AMF0Value] {
        var values: [AMF0Value] = []
        while readableBytes > 0 {
            values.append(try readAMF0Value())
        }
        return values
    }

    private mutating func readAMF0Value(depth: Int) throws(AMF0Error) -> AMF0Value {
        guard depth < AMF0Value.maxDepth else { throw .tooDeep(limit: AMF0Value.maxDepth) }
        guard let marker = readInteger(as: UInt8.self) else { throw .truncated }
        switch marker {
        case Marker.number:
            return .number(try readAMF0Double())
        case Marker.boolean:
            guard let byte = readInteger(as: UInt8.self) else { throw .truncated }
            return .boolean(byte != 0)
        case Marker.string:
            return .string(try readAMF0String(lengthBytes: 2))
        case Marker.longString, Marker.xmlDocument:
            return .string(try readAMF0String(lengthBytes: 4))
        case Marker.object:
            return .object(try readAMF0Properties(depth: depth))
        case Marker.null:
            return .null
        case Marker.undefined:
            return .undefined
        case Marker.ecmaArray:
            guard readInteger(as: UInt32.self) != nil else { throw .truncated }
            return .ecmaArray(try readAMF0Properties(depth: depth))
        case Marker.strictArray:
            guard let count = readInteger(as: UInt32.self) else { throw .truncated }
            // Every element takes at least one byte: a count beyond that is a lie.
            guard Int(count) <= readableBytes else { throw .truncated }
            var elements: [AMF0Value] = []
            elements.reserveCapacity(Int(count))
            for _ in 0..<count {
                elements.append(try readAMF0Value(depth: depth + 1))
            }
            return .strictArray(elements)
        case Marker.date:
            let milliseconds = try readAMF0Double()
            guard let timeZone = readInteger(as: Int16.self) else { throw .truncated }
            return .date(milliseconds, timeZone: timeZone)
        default:
            throw .unsupportedMarker(marker)
        }
    }

    private mutating func readAMF0Double() throws(AMF0Error) -> Double {
        guard let bits = readInteger(as: UInt64.self) else { throw .truncated }
        return Double(bitPattern: bits)
    }

    private mutating func readAMF0String(lengthBytes: Int) throws(AMF0Error) -> String {
        let length: Int?
        if lengthBytes == 2 {
            length = readInteger(as: UInt16.self).map(Int.init)
        } else {
            length = readInteger(as: UInt32.self).map(Int.init)
        }
        guard let length, let string = readString(length: length) else { throw .truncated }
        return string
    }

    /// Key/value pairs up to the empty key followed by the object end marker.
    private mutating func readAMF0Properties(depth: Int) throws(AMF0Error) -> [AMF0Property] {
        var properties: [AMF0Property] = []
        while true {
            let key = try readAMF0String(lengthBytes: 2)
            if key.isEmpty, getInteger(at: readerIndex, as: UInt8.self) == Marker.objectEnd {
                moveReaderIndex(forwardBy: 1)
                return properties
            }
            properties.append(AMF0Property(key, try readAMF0Value(depth: depth + 1)))
        }
    }

    @discardableResult
    mutating func writeAMF0Value(_ value: AMF0Value) -> Int {
        let start = writerIndex
        switch value {
        case .number(let number):
            writeInteger(Marker.number)
            writeInteger(number.bitPattern)
        case .boolean(let flag):
            writeMultipleIntegers(Marker.boolean, UInt8(flag ? 1 : 0))
        case .string(let string):
            let length = string.utf8.count
            if length <= Int(UInt16.max) {
                writeMultipleIntegers(Marker.string, UInt16(length))
            } else {
                writeMultipleIntegers(Marker.longString, UInt32(truncatingIfNeeded: length))
            }
            writeString(string)
        case .object(let properties):
            writeInteger(Marker.object)
            writeAMF0Properties(properties)
        case .null:
            writeInteger(Marker.null)
        case .undefined:
            writeInteger(Marker.undefined)
        case .ecmaArray(let properties):
            writeMultipleIntegers(Marker.ecmaArray, UInt32(truncatingIfNeeded: properties.count))
            writeAMF0Properties(properties)
        case .strictArray(let elements):
            writeMultipleIntegers(Marker.strictArray, UInt32(truncatingIfNeeded: elements.count))
            for element in elements {
                writeAMF0Value(element)
            }
        case .date(let milliseconds, let timeZone):
            writeInteger(Marker.date)
            writeMultipleIntegers(milliseconds.bitPattern, timeZone)
        }
        return writerIndex - start
    }

    private mutating func writeAMF0Properties(_ properties: [AMF0Property]) {
        for property in properties {
            // Keys are short strings; a longer one cannot be represented and is cut.
            let key = property.key.utf8.prefix(Int(UInt16.max))
            writeInteger(UInt16(key.count))
            writeBytes(key)
            writeAMF0Value(property.value)
        }
        writeMultipleIntegers(UInt16(0), Marker.objectEnd)
    }
}
