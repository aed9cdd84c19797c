/// One viewer's counters. Only its channel's event loop writes them; the coordinator reads them
/// through `eventLoop.submit`, so no lock is needed.
final class ViewerStats: @unchecked Sendable {
    let index: Int
    var connectedAt: Int64?
    var initSegmentAt: Int64?
    var bytes = 0
    var messages = 0
    var lastMessageAt: Int64?
    /// Longest time between two complete messages since `resetWindow()`.
    var maxGap: Int64 = 0
    var closeCode: Int?
    var sawEnd = false
    var failure: String?
    var isClosed = false
    /// (is video, decode time in ms, arrival wall time in ns) of each fragment header; kept
    /// only for the viewers chosen to record latency.
    var fragmentTimes: [(Bool, Int64, Int64)]?

    init(index: Int, recordsLatency: Bool) {
        self.index = index
        fragmentTimes = recordsLatency ? [] : nil
        fragmentTimes?.reserveCapacity(8192)
    }

    struct Snapshot: Sendable {
        var bytes: Int
        var messages: Int
        var maxGap: Int64
        var lastMessageAt: Int64?
        var isClosed: Bool
        var closeCode: Int?
        var sawEnd: Bool
        var failure: String?
        var hasInit: Bool
    }

    func snapshot() -> Snapshot {
        Snapshot(bytes: bytes, messages: messages, maxGap: maxGap, lastMessageAt: lastMessageAt, isClosed: isClosed,
                 closeCode: closeCode, sawEnd: sawEnd, failure: failure, hasInit: initSegmentAt != nil)
    }

    func resetWindow() {
        maxGap = 0
    }
}
