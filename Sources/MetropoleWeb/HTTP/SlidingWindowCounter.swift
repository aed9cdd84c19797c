import Foundation
import NIOConcurrencyHelpers

/// Events per key in a sliding window, in memory (a restart forgives): what sign-in throttling
/// counts failures with, and what limits WHIP publish attempts per address.
final class SlidingWindowCounter: Sendable {
    let window: TimeInterval
    private let events = NIOLockedValueBox([String: [Date]]())

    init(window: TimeInterval) {
        self.window = window
    }

    /// Seconds until another event is allowed for every key under its limit, or nil when one
    /// may happen now.
    func retryAfter(_ keys: [(key: String, limit: Int)], now: Date = Date()) -> Int? {
        events.withLockedValue { table in
            var wait: TimeInterval = 0
            for (key, limit) in keys {
                let recent = (table[key] ?? []).filter { now.timeIntervalSince($0) < window }
                table[key] = recent.isEmpty ? nil : recent
                if recent.count >= limit, let oldest = recent.first {
                    wait = max(wait, window - now.timeIntervalSince(oldest))
                }
            }
            return wait > 0 ? max(1, Int(wait.rounded(.up))) : nil
        }
    }

    func record(_ keys: [String], now: Date = Date()) {
        events.withLockedValue { table in
            // Events under many keys must not grow the table without bound.
            if table.count > 10_000 {
                table = table.compactMapValues { dates in
                    let recent = dates.filter { now.timeIntervalSince($0) < window }
                    return recent.isEmpty ? nil : recent
                }
            }
            for key in keys { table[key, default: []].append(now) }
        }
    }

    func forget(_ key: String) {
        _ = events.withLockedValue { $0.removeValue(forKey: key) }
    }
}
