import NIOCore

/// STUN attribute type (RFC 8489 §18.3, RFC 8445 §16.1).
public struct STUNAttributeType: RawRepresentable, Hashable, Sendable {
    public var rawValue: UInt16

    public init(rawValue: UInt16) {
        self.rawValue = rawValue
    }

    public static let mappedAddress = STUNAttributeType(rawValue: 0x0001)
    public static let username = STUNAttributeType(rawValue: 0x0006)
    public static let messageIntegrity = STUNAttributeType(rawValue: 0x0008)
    public static let errorCode = STUNAttributeType(rawValue: 0x0009)
    public static let unknownAttributes = STUNAttributeType(rawValue: 0x000A)
    public static let realm = STUNAttributeType(rawValue: 0x0014)
    public static let nonce = STUNAttributeType(rawValue: 0x0015)
    public static let messageIntegritySHA256 = STUNAttributeType(rawValue: 0x001C)
    public static let userhash = STUNAttributeType(rawValue: 0x001E)
    public static let xorMappedAddress = STUNAttributeType(rawValue: 0x0020)
    public static let priority = STUNAttributeType(rawValue: 0x0024)
    public static let useCandidate = STUNAttributeType(rawValue: 0x0025)
    public static let software = STUNAttributeType(rawValue: 0x8022)
    public static let fingerprint = STUNAttributeType(rawValue: 0x8028)
    public static let iceControlled = STUNAttributeType(rawValue: 0x8029)
    public static let iceControlling = STUNAttributeType(rawValue: 0x802A)

    /// 0x0000–0x7FFF: a receiver that does not understand it must reject the request (420).
    public var isComprehensionRequired: Bool { rawValue < 0x8000 }

    /// The attributes an ICE-lite Binding server understands. MESSAGE-INTEGRITY-SHA256 and
    /// USERHASH are listed so a request carrying them is not refused with 420: ICE uses
    /// SHA-1 integrity only, and they are simply not used.
    public var isKnown: Bool {
        switch self {
        case .mappedAddress, .username, .messageIntegrity, .errorCode, .unknownAttributes, .realm, .nonce,
             .messageIntegritySHA256, .userhash, .xorMappedAddress, .priority, .useCandidate:
            true
        default:
            !isComprehensionRequired
        }
    }
}

/// One attribute: its type and its value bytes (without padding).
public struct STUNAttribute: Sendable {
    public var type: STUNAttributeType
    public var value: ByteBuffer

    public init(type: STUNAttributeType, value: ByteBuffer) {
        self.type = type
        self.value = value
    }

    public var uint32: UInt32? {
        guard value.readableBytes == 4 else { return nil }
        return value.getInteger(at: value.readerIndex)
    }

    public var uint64: UInt64? {
        guard value.readableBytes == 8 else { return nil }
        return value.getInteger(at: value.readerIndex)
    }

    public static func username(_ name: String) -> STUNAttribute {
        STUNAttribute(type: .username, value: ByteBuffer(string: name))
    }

    public static func priority(_ priority: UInt32) -> STUNAttribute {
        var value = ByteBuffer()
        value.writeInteger(priority)
        return STUNAttribute(type: .priority, value: value)
    }

    public static var useCandidate: STUNAttribute {
        STUNAttribute(type: .useCandidate, value: ByteBuffer())
    }

    public static func iceControlling(_ tieBreaker: UInt64) -> STUNAttribute {
        var value = ByteBuffer()
        value.writeInteger(tieBreaker)
        return STUNAttribute(type: .iceControlling, value: value)
    }

    public static func iceControlled(_ tieBreaker: UInt64) -> STUNAttribute {
        var value = ByteBuffer()
        value.writeInteger(tieBreaker)
        return STUNAttribute(type: .iceControlled, value: value)
    }

    public static func software(_ name: String) -> STUNAttribute {
        STUNAttribute(type: .software, value: ByteBuffer(string: name))
    }

    /// ERROR-CODE (RFC 8489 §14.8): class and number, then a reason phrase.
    public static func errorCode(_ code: Int, reason: String) -> STUNAttribute {
        var value = ByteBuffer()
        value.writeMultipleIntegers(UInt16(0), UInt8(code / 100), UInt8(code % 100))
        value.writeString(reason)
        return STUNAttribute(type: .errorCode, value: value)
    }

    public static func unknownAttributes(_ types: [UInt16]) -> STUNAttribute {
        var value = ByteBuffer()
        for type in types { value.writeInteger(type) }
        return STUNAttribute(type: .unknownAttributes, value: value)
    }

    /// ERROR-CODE's number (e.g. 401) and reason, when this is one.
    public var errorCode: (code: Int, reason: String)? {
        guard type == .errorCode, value.readableBytes >= 4,
              let (_, hundreds, rest) = value.getMultipleIntegers(at: value.readerIndex, as: (UInt16, UInt8, UInt8).self) else { return nil }
        let reason = value.getString(at: value.readerIndex + 4, length: value.readableBytes - 4) ?? ""
        return (Int(hundreds & 0x07) * 100 + Int(rest), reason)
    }
}

/// A transport address as XOR-MAPPED-ADDRESS carries it (RFC 8489 §14.2).
public struct STUNAddress: Hashable, Sendable, CustomStringConvertible {
    public enum Host: Hashable, Sendable {
        /// Network byte order in the integer's value (10.0.0.1 is 0x0A000001).
        case ipv4(UInt32)
        case ipv6(UInt64, UInt64)
    }

    public var host: Host
    public var port: UInt16

    public init(host: Host, port: UInt16) {
        self.host = host
        self.port = port
    }

    public var description: String {
        switch host {
        case .ipv4(let address):
            "\(address >> 24).\(address >> 16 & 0xFF).\(address >> 8 & 0xFF).\(address & 0xFF):\(port)"
        case .ipv6(let high, let low):
            "[\(String(high, radix: 16, uppercase: false).leftPadded(16)):\(String(low, radix: 16).leftPadded(16))]:\(port)"
        }
    }
}

extension String {
    fileprivate func leftPadded(_ width: Int) -> String {
        String(repeating: "0", count: max(0, width - count)) + self
    }
}

extension STUNAttribute {
    /// XOR-MAPPED-ADDRESS for `address`: the port XOR the cookie's top half, IPv4 XOR the
    /// cookie, IPv6 XOR the cookie and the transaction ID.
    public static func xorMappedAddress(_ address: STUNAddress, transactionID: STUNTransactionID) -> STUNAttribute {
        var value = ByteBuffer()
        let port = address.port ^ UInt16(STUNMessage.magicCookie >> 16)
        switch address.host {
        case .ipv4(let host):
            value.writeMultipleIntegers(UInt8(0), UInt8(0x01), port, host ^ STUNMessage.magicCookie)
        case .ipv6(let high, let low):
            let mask = UInt64(STUNMessage.magicCookie) << 32 | UInt64(transactionID.high)
            value.writeMultipleIntegers(UInt8(0), UInt8(0x02), port, high ^ mask, low ^ transactionID.low)
        }
        return STUNAttribute(type: .xorMappedAddress, value: value)
    }

    /// Decodes XOR-MAPPED-ADDRESS against the message's transaction ID.
    public func xorMappedAddress(transactionID: STUNTransactionID) -> STUNAddress? {
        guard type == .xorMappedAddress,
              let (_, family, xport) = value.getMultipleIntegers(at: value.readerIndex, as: (UInt8, UInt8, UInt16).self) else { return nil }
        let port = xport ^ UInt16(STUNMessage.magicCookie >> 16)
        switch (family, value.readableBytes) {
        case (0x01, 8):
            guard let host = value.getInteger(at: value.readerIndex + 4, as: UInt32.self) else { return nil }
            return STUNAddress(host: .ipv4(host ^ STUNMessage.magicCookie), port: port)
        case (0x02, 20):
            guard let (high, low) = value.getMultipleIntegers(at: value.readerIndex + 4, as: (UInt64, UInt64).self) else { return nil }
            let mask = UInt64(STUNMessage.magicCookie) << 32 | UInt64(transactionID.high)
            return STUNAddress(host: .ipv6(high ^ mask, low ^ transactionID.low), port: port)
        default:
            return nil
        }
    }
}
