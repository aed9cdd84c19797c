import NIOCore

/// Which missing packets of one source to ask for again (RFC 4585 generic NACK), and when:
/// at once when a gap appears, then every `retryInterval`, at most `maxRequests` times each.
/// Packets the reorder buffer stops waiting for are forgotten with it.
struct NACKTracker: Sendable {
    private struct Request {
        var lastSent: NIODeadline
        var count: Int
    }

    let maxRequests: Int
    let retryInterval: TimeAmount
    /// Missing packets tracked at once: a burst larger than this is better served by a
    /// keyframe than by retransmissions.
    let maxTracked: Int
    private var requests: [Int64: Request] = [:]
    private(set) var requested = 0

    init(maxRequests: Int = 3, retryInterval: TimeAmount = .milliseconds(30), maxTracked: Int = 128) {
        self.maxRequests = maxRequests
        self.retryInterval = retryInterval
        self.maxTracked = maxTracked
    }

    /// The sequence numbers to put in a NACK now, given what the reorder buffer still misses.
    mutating func due(missing: [Int64], at now: NIODeadline) -> [Int64] {
        if missing.isEmpty {
            requests.removeAll(keepingCapacity: true)
            return []
        }
        if !requests.isEmpty {
            let stillMissing = Set(missing)
            requests = requests.filter { stillMissing.contains($0.key) }
        }
        var due: [Int64] = []
        for sequence in missing.prefix(maxTracked) {
            if let request = requests[sequence] {
                guard request.count < maxRequests, now - request.lastSent >= retryInterval else { continue }
                requests[sequence] = Request(lastSent: now, count: request.count + 1)
            } else {
                requests[sequence] = Request(lastSent: now, count: 1)
            }
            due.append(sequence)
        }
        requested += due.count
        return due
    }
}
