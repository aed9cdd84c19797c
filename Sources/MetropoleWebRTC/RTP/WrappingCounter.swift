/// Extends a wrapping counter (16-bit RTP sequence numbers, 32-bit RTP timestamps) to 64 bits:
/// each value is taken as the one nearest the highest so far (RFC 3550 A.1's rule), so a
/// wrap counts forward and a late packet from before it counts back.
struct WrappingCounter<Value: UnsignedInteger & FixedWidthInteger>: Sendable {
    private(set) var highest: Int64?

    private static var modulus: Int64 { Int64(1) << Value.bitWidth }

    mutating func unwrap(_ value: Value) -> Int64 {
        let extended = peek(value)
        if extended > highest ?? Int64.min {
            highest = extended
        }
        return extended
    }

    /// What `unwrap` would answer, without moving the reference.
    func peek(_ value: Value) -> Int64 {
        guard let highest else { return Int64(value) }
        var delta = Int64(value) &- (highest & (Self.modulus - 1))
        if delta > Self.modulus / 2 {
            delta -= Self.modulus
        } else if delta < -Self.modulus / 2 {
            delta += Self.modulus
        }
        // Wrapping: a hostile sender jumping 2^31 each packet would otherwise trap after 2^32
        // packets; a wrapped value is nonsense, but contained nonsense.
        return highest &+ delta
    }
}
