import NIOCore

/// Puts one source's packets back in sequence order, waiting a bounded time for a missing
/// packet (reordered, or asked for again with a NACK) before giving up on it.
///
/// Packets in order pass straight through. A packet after a gap is held in a ring of
/// `capacity` slots indexed by sequence number, so holding costs no allocation; the gap is
/// declared lost (and the held packets released, the first flagged with how many were lost
/// before it) when it has been open for `maxDelay`, or when a packet arrives too far ahead to
/// fit. See docs/decisions/0021-reorder-buffer-and-nack.md for the numbers.
struct ReorderBuffer: Sendable {
    struct Entry: Sendable {
        var packet: RTPPacket
        var sequence: Int64
        var arrival: NIODeadline
    }

    struct Released: Sendable {
        var entry: Entry
        /// Packets declared lost just before this one; 0 when it follows its predecessor.
        var lostBefore: Int64
    }

    enum Verdict: Equatable {
        case accepted
        /// Already released or given up on.
        case late
        case duplicate
    }

    let capacity: Int
    let maxDelay: TimeAmount
    private var slots: [Entry?]
    /// The sequence number to release next; `nil` before the first packet.
    private(set) var next: Int64?
    private(set) var heldCount = 0
    /// When the oldest open gap appeared (the arrival of the first packet held behind it).
    private var gapOpenedAt: NIODeadline?

    init(capacity: Int, maxDelay: TimeAmount) {
        self.capacity = max(capacity, 2)
        self.maxDelay = maxDelay
        self.slots = Array(repeating: nil, count: self.capacity)
    }

    /// Takes one packet; appends what it releases, in order, to `released`.
    mutating func insert(_ entry: Entry, into released: inout [Released]) -> Verdict {
        guard let expected = next else {
            next = entry.sequence + 1
            released.append(Released(entry: entry, lostBefore: 0))
            return .accepted
        }
        if entry.sequence < expected { return .late }
        if entry.sequence == expected, heldCount == 0 {
            next = expected + 1
            released.append(Released(entry: entry, lostBefore: 0))
            return .accepted
        }
        // Too far ahead to hold: give up on gaps until it fits.
        while entry.sequence - next! >= Int64(capacity), heldCount > 0 {
            skipGap(into: &released)
        }
        if entry.sequence - next! >= Int64(capacity) {
            let lost = entry.sequence - next!
            next = entry.sequence + 1
            released.append(Released(entry: entry, lostBefore: lost))
            return .accepted
        }
        let slot = self.slot(entry.sequence)
        if slots[slot]?.sequence == entry.sequence { return .duplicate }
        slots[slot] = entry
        heldCount += 1
        if gapOpenedAt == nil { gapOpenedAt = entry.arrival }
        drain(into: &released)
        return .accepted
    }

    /// Gives up on every gap that has been open for `maxDelay` by `now`.
    mutating func releaseExpired(at now: NIODeadline, into released: inout [Released]) {
        while heldCount > 0, let opened = gapOpenedAt, now - opened >= maxDelay {
            skipGap(into: &released)
        }
    }

    /// Sequence numbers not yet received between `next` and the highest held packet: what
    /// the buffer is waiting for.
    func missing(limit: Int) -> [Int64] {
        guard let next, heldCount > 0 else { return [] }
        var result: [Int64] = []
        var found = 0
        var sequence = next
        while found < heldCount, result.count < limit, sequence < next + Int64(capacity) {
            if slots[slot(sequence)]?.sequence == sequence {
                found += 1
            } else {
                result.append(sequence)
            }
            sequence += 1
        }
        return result
    }

    private func slot(_ sequence: Int64) -> Int {
        Int(sequence.magnitude % UInt64(capacity))
    }

    /// Declares the gap at `next` lost: jumps to the lowest held packet and releases from there.
    private mutating func skipGap(into released: inout [Released]) {
        guard var sequence = next else { return }
        let limit = sequence + Int64(capacity)
        while sequence < limit, slots[slot(sequence)]?.sequence != sequence {
            sequence += 1
        }
        guard sequence < limit else {
            // Unreachable while heldCount > 0; reset rather than loop if it ever is.
            heldCount = 0
            gapOpenedAt = nil
            return
        }
        let lost = sequence - next!
        next = sequence
        drain(into: &released, firstLost: lost)
    }

    /// Releases held packets from `next` while they are consecutive.
    private mutating func drain(into released: inout [Released], firstLost: Int64 = 0) {
        guard var sequence = next else { return }
        var lost = firstLost
        var releasedAny = false
        while heldCount > 0, let entry = slots[slot(sequence)], entry.sequence == sequence {
            slots[slot(sequence)] = nil
            heldCount -= 1
            released.append(Released(entry: entry, lostBefore: lost))
            lost = 0
            sequence += 1
            releasedAny = true
        }
        next = sequence
        if heldCount == 0 {
            gapOpenedAt = nil
        } else if releasedAny {
            // A new gap is open at `next`: it has blocked since the earliest packet held behind it.
            gapOpenedAt = earliestHeldArrival()
        }
    }

    private func earliestHeldArrival() -> NIODeadline? {
        var earliest: NIODeadline?
        for case let entry? in slots where earliest.map({ entry.arrival < $0 }) ?? true {
            earliest = entry.arrival
        }
        return earliest
    }
}
