import Foundation
import NIOCore

/// Hex text to bytes, spaces and newlines ignored (RFC vectors are printed in groups).
func hex(_ text: String) -> [UInt8] {
    let digits = Array(text.unicodeScalars.filter { !CharacterSet.whitespacesAndNewlines.contains($0) })
    var bytes: [UInt8] = []
    bytes.reserveCapacity(digits.count / 2)
    var index = 0
    while index + 1 < digits.count {
        bytes.append(UInt8(String(digits[index]) + String(digits[index + 1]), radix: 16)!)
        index += 2
    }
    return bytes
}

func hexBuffer(_ text: String) -> ByteBuffer {
    ByteBuffer(bytes: hex(text))
}

extension ByteBuffer {
    var hexString: String {
        readableBytesView.map { byte in
            let digits = String(byte, radix: 16)
            return digits.count == 1 ? "0" + digits : digits
        }.joined()
    }
}

/// Files under `Tests/MetropoleWebRTCTests/Fixtures`, read by path (they are not resources).
enum FixtureFiles {
    static let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures")

    static func data(_ name: String) throws -> Data {
        try Data(contentsOf: root.appendingPathComponent(name))
    }

    static func text(_ name: String) throws -> String {
        String(decoding: try data(name), as: UTF8.self)
    }
}
