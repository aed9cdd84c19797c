import COpenSSL
import NIOCore

/// MESSAGE-INTEGRITY (HMAC-SHA1) and FINGERPRINT (CRC-32) over STUN messages (RFC 8489
/// §14.5, §14.7). ICE uses short-term credentials: the key is the receiver's ice-pwd as is.
public enum STUNIntegrity {
    static let fingerprintXOR: UInt32 = 0x5354_554E

    /// CRC-32 of `bytes` XOR 0x5354554e.
    static func fingerprint(of bytes: ByteBuffer) -> UInt32 {
        bytes.withUnsafeReadableBytes { CRC32.checksum($0) } ^ fingerprintXOR
    }

    /// HMAC-SHA1 over `message`'s bytes up to `length` with the header's length field
    /// replaced by `headerLength` (what it would say if the message ended after
    /// MESSAGE-INTEGRITY).
    static func hmacSHA1(key: [UInt8], message: ByteBuffer, prefixLength: Int, headerLength: UInt16) -> [UInt8]? {
        guard prefixLength >= STUNMessage.headerLength, prefixLength <= message.readableBytes else { return nil }
        return message.withUnsafeReadableBytes { bytes -> [UInt8]? in
            withUnsafeTemporaryAllocation(of: UInt8.self, capacity: prefixLength) { scratch -> [UInt8]? in
                _ = scratch.initialize(from: bytes[0..<prefixLength])
                scratch[2] = UInt8(headerLength >> 8)
                scratch[3] = UInt8(headerLength & 0xFF)
                var digest = [UInt8](repeating: 0, count: 20)
                var digestLength: UInt32 = 0
                let result = key.withUnsafeBufferPointer { key in
                    digest.withUnsafeMutableBufferPointer { out in
                        HMAC(EVP_sha1(), key.baseAddress, Int32(key.count), scratch.baseAddress, prefixLength, out.baseAddress, &digestLength)
                    }
                }
                return result == nil || digestLength != 20 ? nil : digest
            }
        }
    }
}

extension STUNMessage {
    /// True when MESSAGE-INTEGRITY is present and matches `key`. Constant time in the tag.
    public func verifyIntegrity(key: [UInt8]) -> Bool {
        guard let raw, let offset = integrityOffset,
              let received = attribute(.messageIntegrity)?.value, received.readableBytes == 20,
              let expected = STUNIntegrity.hmacSHA1(
                  key: key, message: raw, prefixLength: offset, headerLength: UInt16(offset + 24 - STUNMessage.headerLength)
              ) else { return false }
        var difference: UInt8 = 0
        received.withUnsafeReadableBytes { received in
            for index in 0..<20 { difference |= received[index] ^ expected[index] }
        }
        return difference == 0
    }

    /// The message on the wire: header, attributes, then MESSAGE-INTEGRITY keyed with
    /// `integrityKey` when given, then FINGERPRINT when asked for.
    public func serialized(integrityKey: [UInt8]? = nil, fingerprint: Bool = true) -> ByteBuffer {
        var buffer = ByteBuffer()
        buffer.reserveCapacity(128)
        buffer.writeMultipleIntegers(type.rawValue, UInt16(0), STUNMessage.magicCookie, transactionID.high, transactionID.low)
        for attribute in attributes where attribute.type != .messageIntegrity && attribute.type != .fingerprint {
            var value = attribute.value
            buffer.writeMultipleIntegers(attribute.type.rawValue, UInt16(value.readableBytes))
            buffer.writeBuffer(&value)
            buffer.writeRepeatingByte(0, count: (4 - buffer.writerIndex % 4) % 4)
        }
        if let integrityKey {
            let prefix = buffer.writerIndex
            let digest = STUNIntegrity.hmacSHA1(
                key: integrityKey, message: buffer, prefixLength: prefix, headerLength: UInt16(prefix + 24 - STUNMessage.headerLength)
            ) ?? [UInt8](repeating: 0, count: 20)
            buffer.writeMultipleIntegers(STUNAttributeType.messageIntegrity.rawValue, UInt16(20))
            buffer.writeBytes(digest)
        }
        if fingerprint {
            buffer.setInteger(UInt16(buffer.writerIndex + 8 - STUNMessage.headerLength), at: 2)
            let crc = STUNIntegrity.fingerprint(of: buffer)
            buffer.writeMultipleIntegers(STUNAttributeType.fingerprint.rawValue, UInt16(4), crc)
        } else {
            buffer.setInteger(UInt16(buffer.writerIndex - STUNMessage.headerLength), at: 2)
        }
        return buffer
    }
}

/// CRC-32 (IEEE 802.3, reflected, as zlib computes it).
enum CRC32 {
    static let table: [UInt32] = (0..<256).map { index in
        var crc = UInt32(index)
        for _ in 0..<8 {
            crc = crc & 1 == 1 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1
        }
        return crc
    }

    static func checksum(_ bytes: UnsafeRawBufferPointer) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        table.withUnsafeBufferPointer { table in
            for byte in bytes {
                crc = (crc >> 8) ^ table[Int((crc ^ UInt32(byte)) & 0xFF)]
            }
        }
        return ~crc
    }
}
