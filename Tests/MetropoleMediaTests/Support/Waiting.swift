import MetropoleMedia
import Testing

struct TimedOut: Error {}

/// Runs `body`, failing instead of hanging the test run when it takes longer than `seconds`.
func within<T: Sendable>(_ seconds: Double, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
    try await withThrowingTaskGroup(of: T.self) { group in
        group.addTask { try await body() }
        group.addTask {
            try await Task.sleep(for: .milliseconds(Int64(seconds * 1000)))
            throw TimedOut()
        }
        defer { group.cancelAll() }
        guard let first = try await group.next() else { throw TimedOut() }
        return first
    }
}

extension LiveSubscription.Iterator {
    /// The next delivery, or a test failure after two seconds.
    mutating func nextWithin() async throws -> LiveDelivery? {
        let start = self
        let (delivery, advanced) = try await within(2) {
            var copy = start
            let delivery = await copy.next()
            return (delivery, copy)
        }
        self = advanced
        return delivery
    }
}

extension LiveDelivery {
    var fragments: [Fragment]? {
        if case .fragments(let fragments) = self { return fragments }
        return nil
    }

    var isInitSegment: Bool {
        if case .initSegment = self { return true }
        return false
    }

    var name: String {
        switch self {
        case .initSegment: "init"
        case .fragments(let fragments): "fragments(\(fragments.count))"
        case .end: "end"
        case .dropped: "dropped"
        case .restart: "restart"
        }
    }
}
