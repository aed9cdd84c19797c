import NIOCore

/// Bytes from hex text; spaces and newlines are ignored, so RFC dumps paste as they are.
func hexBytes(_ hex: String) -> [UInt8] {
    let digits = hex.filter(\.isHexDigit)
    var result: [UInt8] = []
    result.reserveCapacity(digits.count / 2)
    var index = digits.startIndex
    while index < digits.endIndex {
        let next = digits.index(index, offsetBy: 2)
        result.append(UInt8(digits[index..<next], radix: 16)!)
        index = next
    }
    return result
}

func hexBuffer(_ hex: String) -> ByteBuffer {
    ByteBuffer(bytes: hexBytes(hex))
}

extension ByteBuffer {
    var bytes: [UInt8] { Array(readableBytesView) }
}
