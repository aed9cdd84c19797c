/// Reads an H.264 RBSP (or any MSB-first bit string) one field at a time.
///
/// Every read throws on running out of bits rather than trapping: SPS bytes come from the
/// publisher and may be anything.
struct BitReader {
    private let bytes: [UInt8]
    private var bitIndex = 0

    init(_ bytes: [UInt8]) {
        self.bytes = bytes
    }

    /// Builds a reader over a NAL unit's payload with the emulation-prevention bytes removed
    /// (H.264 7.4.1: every `00 00 03` in a NAL stands for `00 00`), so fields spanning one read
    /// correctly.
    init(removingEmulationPrevention nal: some Collection<UInt8>) {
        var rbsp: [UInt8] = []
        rbsp.reserveCapacity(nal.count)
        var zeros = 0
        for byte in nal {
            if zeros >= 2 && byte == 0x03 {
                zeros = 0
                continue
            }
            zeros = byte == 0 ? zeros + 1 : 0
            rbsp.append(byte)
        }
        self.init(rbsp)
    }

    var bitsLeft: Int { bytes.count * 8 - bitIndex }

    mutating func bit() throws(MediaFormatError) -> UInt32 {
        guard bitIndex < bytes.count * 8 else { throw .truncated("H.264 parameter set") }
        let byte = bytes[bitIndex >> 3]
        let value = (byte >> (7 - UInt8(bitIndex & 7))) & 1
        bitIndex += 1
        return UInt32(value)
    }

    mutating func flag() throws(MediaFormatError) -> Bool {
        try bit() == 1
    }

    mutating func bits(_ count: Int) throws(MediaFormatError) -> UInt32 {
        var value: UInt32 = 0
        for _ in 0..<count {
            value = value << 1 | (try bit())
        }
        return value
    }

    mutating func skip(_ count: Int) throws(MediaFormatError) {
        guard count <= bitsLeft else { throw .truncated("H.264 parameter set") }
        bitIndex += count
    }

    /// ue(v), H.264 9.1. More than 31 leading zeros cannot encode a 32-bit value, so such input
    /// is refused instead of overflowing.
    mutating func unsignedExpGolomb() throws(MediaFormatError) -> UInt32 {
        var leadingZeros = 0
        while try bit() == 0 {
            leadingZeros += 1
            guard leadingZeros <= 31 else { throw .invalid("exp-Golomb code longer than 32 bits") }
        }
        guard leadingZeros > 0 else { return 0 }
        let suffix = UInt64(try bits(leadingZeros))
        return UInt32(truncatingIfNeeded: (UInt64(1) << leadingZeros) - 1 + suffix)
    }

    /// se(v), H.264 9.1.1: 1, 2, 3, 4 … map to 1, -1, 2, -2 …
    mutating func signedExpGolomb() throws(MediaFormatError) -> Int32 {
        let code = Int64(try unsignedExpGolomb())
        let magnitude = (code + 1) / 2
        return Int32(truncatingIfNeeded: code % 2 == 1 ? magnitude : -magnitude)
    }
}
