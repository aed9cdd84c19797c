import Foundation
import NIOConcurrencyHelpers

/// Queue positions: microseconds since 1970, bumped past the last one handed out, so events
/// enqueued in one process keep their order even within a microsecond, and a restart (later
/// clock) continues after them.
final class WebhookSequence: Sendable {
    private let last = NIOLockedValueBox<Int64>(0)

    func next(now: Date = Date()) -> Int64 {
        let micros = Int64(now.timeIntervalSince1970 * 1_000_000)
        return last.withLockedValue { last in
            last = max(micros, last + 1)
            return last
        }
    }
}
