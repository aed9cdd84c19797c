/// The receiver's record of which packet indices it has accepted (RFC 3711 §3.3.2): the highest
/// index and a bitmap of the `size` indices at and below it.
///
/// 128 packets, as libsrtp's extended window that libdatachannel and Janus use: at 1000 video
/// packets a second (a 5 Mbps keyframe burst) 64 covers only 64 ms of reordering, and the
/// reorder buffer behind SRTP waits longer than that for a late packet.
struct SRTPReplayWindow: Sendable, Equatable {
    static let size: UInt64 = 128

    /// Highest accepted index; `nil` before the first packet.
    private(set) var highest: UInt64?
    /// Bit `n` of the 128-bit map (`low` holds bits 0–63) is index `highest - n`.
    private var low: UInt64 = 0
    private var high: UInt64 = 0

    /// `false` for an index accepted before or fallen out of the window. Checked before the tag
    /// (cheap), recorded with `accept` only after it (a forgery must not move the window).
    func allows(_ index: UInt64) -> Bool {
        guard let highest, index <= highest else { return true }
        let age = highest - index
        guard age < Self.size else { return false }
        return age < 64 ? low & (1 << age) == 0 : high & (1 << (age - 64)) == 0
    }

    mutating func accept(_ index: UInt64) {
        guard let current = highest else {
            highest = index
            low = 1
            return
        }
        if index > current {
            shift(by: index - current)
            highest = index
            low |= 1
        } else {
            let age = current - index
            if age < 64 {
                low |= 1 << age
            } else if age < Self.size {
                high |= 1 << (age - 64)
            }
        }
    }

    private mutating func shift(by distance: UInt64) {
        if distance >= Self.size {
            low = 0
            high = 0
        } else if distance >= 64 {
            high = low << (distance - 64)
            low = 0
        } else {
            high = high << distance | low >> (64 - distance)
            low = low << distance
        }
    }
}

/// The SRTP packet index (RFC 3711 §3.3.1): a 48-bit count built from the 16-bit sequence
/// number and a rollover counter (ROC) that the receiver infers.
enum SRTPPacketIndex {
    /// The index a packet with `sequenceNumber` most likely has, given the highest index seen so
    /// far (Appendix A): the candidate among ROC-1, ROC and ROC+1 nearest to the last sequence
    /// number. `nil` when that is ROC-1 with ROC 0, a packet from before the stream began.
    static func estimate(_ sequenceNumber: UInt16, highest: UInt64?) -> UInt64? {
        guard let highest else { return UInt64(sequenceNumber) }
        let roc = highest >> 16
        let last = UInt16(truncatingIfNeeded: highest)
        let seq = UInt64(sequenceNumber)
        if last < 0x8000 {
            if sequenceNumber > last, sequenceNumber - last > 0x8000 {
                return roc == 0 ? nil : (roc - 1) << 16 | seq
            }
            return roc << 16 | seq
        }
        if last - 0x8000 > sequenceNumber {
            return (roc + 1) << 16 | seq
        }
        return roc << 16 | seq
    }

    /// Largest index the 48-bit space (ROC 32 bits, sequence 16) allows.
    static let maximum: UInt64 = (1 << 48) - 1
}
