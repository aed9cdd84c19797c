import NIOCore

/// STUN message type: method and class interleaved in 14 bits (RFC 8489 §5).
public struct STUNMessageType: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public enum Class: UInt16, Sendable {
        case request = 0b00
        case indication = 0b01
        case successResponse = 0b10
        case errorResponse = 0b11
    }

    public var rawValue: UInt16

    public init(rawValue: UInt16) {
        self.rawValue = rawValue & 0x3FFF
    }

    public init(method: UInt16, class messageClass: Class) {
        let c = messageClass.rawValue
        let m = method & 0x0FFF
        rawValue = (m & 0x000F) | (m & 0x0070) << 1 | (m & 0x0F80) << 2 | (c & 0b01) << 4 | (c & 0b10) << 7
    }

    public var method: UInt16 {
        (rawValue & 0x000F) | (rawValue & 0x00E0) >> 1 | (rawValue & 0x3E00) >> 2
    }

    public var messageClass: Class {
        Class(rawValue: (rawValue >> 4) & 0b01 | (rawValue >> 7) & 0b10)!
    }

    public static let bindingMethod: UInt16 = 0x001
    public static let bindingRequest = STUNMessageType(method: bindingMethod, class: .request)
    public static let bindingIndication = STUNMessageType(method: bindingMethod, class: .indication)
    public static let bindingSuccess = STUNMessageType(method: bindingMethod, class: .successResponse)
    public static let bindingError = STUNMessageType(method: bindingMethod, class: .errorResponse)

    public var description: String {
        "STUN(method 0x\(String(method, radix: 16)), \(messageClass))"
    }
}

/// The 96-bit transaction ID that pairs a response with its request.
public struct STUNTransactionID: Hashable, Sendable {
    public var high: UInt32
    public var low: UInt64

    public init(high: UInt32, low: UInt64) {
        self.high = high
        self.low = low
    }

    public static func random() -> STUNTransactionID {
        var generator = SystemRandomNumberGenerator()
        return STUNTransactionID(high: generator.next(), low: generator.next())
    }
}

/// A parsed STUN message. Attribute values are slices of the datagram (no copies), and the
/// datagram itself is kept so MESSAGE-INTEGRITY can be checked over the original bytes.
public struct STUNMessage: Sendable {
    public static let magicCookie: UInt32 = 0x2112_A442
    public static let headerLength = 20

    public var type: STUNMessageType
    public var transactionID: STUNTransactionID
    /// In wire order, up to and including MESSAGE-INTEGRITY and FINGERPRINT; anything else
    /// after MESSAGE-INTEGRITY is ignored as RFC 8489 §14.5 requires.
    public var attributes: [STUNAttribute]
    /// The whole message as received; nil for messages built locally.
    public var raw: ByteBuffer?
    /// Byte offset of the MESSAGE-INTEGRITY attribute's header within `raw`.
    var integrityOffset: Int?

    public init(type: STUNMessageType, transactionID: STUNTransactionID, attributes: [STUNAttribute] = []) {
        self.type = type
        self.transactionID = transactionID
        self.attributes = attributes
    }

    /// Parses one datagram that must hold exactly one STUN message; checks FINGERPRINT when
    /// present. MESSAGE-INTEGRITY is checked separately, by whoever knows the key.
    public static func parse(_ datagram: ByteBuffer) throws(STUNError) -> STUNMessage {
        var buffer = datagram
        guard let (rawType, length, cookie, high, low) = buffer.readMultipleIntegers(as: (UInt16, UInt16, UInt32, UInt32, UInt64).self) else {
            throw .malformed("\(datagram.readableBytes) bytes is shorter than the 20-byte header")
        }
        guard rawType & 0xC000 == 0 else { throw .malformed("the first two bits are not zero") }
        guard cookie == magicCookie else { throw .malformed("the magic cookie is 0x\(String(cookie, radix: 16))") }
        guard length % 4 == 0 else { throw .malformed("length \(length) is not a multiple of 4") }
        guard Int(length) == buffer.readableBytes else {
            throw .malformed("length \(length) but \(buffer.readableBytes) bytes follow the header")
        }
        var message = STUNMessage(type: STUNMessageType(rawValue: rawType), transactionID: STUNTransactionID(high: high, low: low))
        message.raw = datagram
        var fingerprintOffset: Int?
        while buffer.readableBytes > 0 {
            let offset = buffer.readerIndex - datagram.readerIndex
            guard let (type, valueLength) = buffer.readMultipleIntegers(as: (UInt16, UInt16).self) else {
                throw .malformed("truncated attribute header at byte \(offset)")
            }
            let padded = (Int(valueLength) + 3) & ~3
            guard padded <= buffer.readableBytes, let value = buffer.readSlice(length: Int(valueLength)) else {
                throw .malformed("attribute 0x\(String(type, radix: 16)) of \(valueLength) bytes overruns the message")
            }
            buffer.moveReaderIndex(forwardBy: padded - Int(valueLength))
            guard fingerprintOffset == nil else { throw .malformed("an attribute follows FINGERPRINT") }
            let attributeType = STUNAttributeType(rawValue: type)
            switch attributeType {
            case .fingerprint:
                fingerprintOffset = offset
            case .messageIntegrity:
                guard message.integrityOffset == nil else { continue }
                message.integrityOffset = offset
            default:
                // RFC 8489 §14.5: attributes after MESSAGE-INTEGRITY, but FINGERPRINT, are ignored.
                guard message.integrityOffset == nil else { continue }
            }
            message.attributes.append(STUNAttribute(type: attributeType, value: value))
        }
        if let fingerprintOffset {
            try message.checkFingerprint(in: datagram, at: fingerprintOffset)
        }
        return message
    }

    private func checkFingerprint(in datagram: ByteBuffer, at offset: Int) throws(STUNError) {
        guard let value = attributes.last, value.type == .fingerprint, value.value.readableBytes == 4,
              let received = value.value.getInteger(at: value.value.readerIndex, as: UInt32.self),
              let prefix = datagram.getSlice(at: datagram.readerIndex, length: offset) else {
            throw .malformed("FINGERPRINT is not 4 bytes")
        }
        // The length field already covers FINGERPRINT, as the sender had to set it.
        guard STUNIntegrity.fingerprint(of: prefix) == received else { throw .badFingerprint }
    }

    public func attribute(_ type: STUNAttributeType) -> STUNAttribute? {
        attributes.first { $0.type == type }
    }

    public func contains(_ type: STUNAttributeType) -> Bool {
        attributes.contains { $0.type == type }
    }

    /// USERNAME as text (UTF-8, at most 513 bytes per RFC 8489 §14.3).
    public var username: String? {
        guard let value = attribute(.username)?.value, value.readableBytes <= 513 else { return nil }
        return value.getString(at: value.readerIndex, length: value.readableBytes)
    }

    /// Comprehension-required attributes (0x0000–0x7FFF) this implementation does not know.
    public var unknownRequiredAttributes: [UInt16] {
        attributes.compactMap { $0.type.isComprehensionRequired && !$0.type.isKnown ? $0.type.rawValue : nil }
    }
}
