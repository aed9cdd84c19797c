import NIOCore

/// HLS requests parked until a segment or part appears (blocking playlist reload and the
/// preload-hinted part). Kept in the hub's locked state; checked only when the segmenter
/// changed, i.e. a few times a second, never per viewer per frame.
struct HLSWaiters {
    private struct Waiter {
        var msn: Int
        var part: Int?
        var continuation: CheckedContinuation<Bool, Never>
    }

    private var waiting: [Int: Waiter] = [:]
    /// Requests that have an id but have not parked yet, and those of them already cancelled.
    private var unparked: Set<Int> = []
    private var cancelled: Set<Int> = []
    private var nextID = 0
    private var checkedVersion = -1

    mutating func makeID() -> Int {
        defer { nextID += 1 }
        unparked.insert(nextID)
        return nextID
    }

    /// Parks a request, or resumes it at once when it is already answerable or cancelled.
    mutating func park(
        id: Int,
        msn: Int,
        part: Int?,
        continuation: CheckedContinuation<Bool, Never>,
        segmenter: LLHLSSegmenter
    ) -> (CheckedContinuation<Bool, Never>, Bool)? {
        unparked.remove(id)
        if cancelled.remove(id) != nil { return (continuation, false) }
        if segmenter.contains(msn: msn, part: part) { return (continuation, true) }
        waiting[id] = Waiter(msn: msn, part: part, continuation: continuation)
        return nil
    }

    /// Unparks a request whose task was cancelled (it timed out or the client left).
    mutating func cancel(id: Int) -> CheckedContinuation<Bool, Never>? {
        if let waiter = waiting.removeValue(forKey: id) { return waiter.continuation }
        // Not parked yet: let `park` answer at once. Already answered: nothing to do.
        if unparked.contains(id) { cancelled.insert(id) }
        return nil
    }

    mutating func takeSatisfied(by segmenter: LLHLSSegmenter) -> [CheckedContinuation<Bool, Never>] {
        guard !waiting.isEmpty, segmenter.version != checkedVersion else { return [] }
        checkedVersion = segmenter.version
        var ready: [CheckedContinuation<Bool, Never>] = []
        for (id, waiter) in waiting where segmenter.contains(msn: waiter.msn, part: waiter.part) {
            ready.append(waiter.continuation)
            waiting[id] = nil
        }
        return ready
    }

    mutating func takeAll() -> [CheckedContinuation<Bool, Never>] {
        defer { waiting = [:] }
        return waiting.values.map(\.continuation)
    }
}
