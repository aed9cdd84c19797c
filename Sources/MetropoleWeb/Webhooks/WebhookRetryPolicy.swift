import Foundation

/// When a failed delivery is tried again: `first` seconds after the first failure, three times
/// longer after each next one, at most `cap` apart, and never after `lifetime` from the event
/// (then it is marked failed and the endpoint's next delivery goes). With the default 5 s:
/// 5 s, 15 s, 45 s, 2¼ min, 7 min, 20 min, 1 h, then every 2 h until a day has passed.
struct WebhookRetryPolicy: Sendable, Equatable {
    var first: TimeInterval = 5
    var factor: Double = 3
    var cap: TimeInterval = 2 * 3600
    var lifetime: TimeInterval = 24 * 3600

    /// The wait after the `attempts`-th failed attempt (1-based).
    func delay(afterAttempt attempts: Int) -> TimeInterval {
        let exponent = Double(max(attempts - 1, 0))
        return min(first * pow(factor, min(exponent, 64)), cap)
    }

    /// When to try next, or nil when the delivery has had its day. A `Retry-After` the
    /// receiver asked for is honoured when it is longer.
    func nextAttempt(afterAttempt attempts: Int, createdAt: Date, now: Date, retryAfter: TimeInterval? = nil) -> Date? {
        let wait = max(delay(afterAttempt: attempts), min(retryAfter ?? 0, cap))
        let next = now.addingTimeInterval(wait)
        return next.timeIntervalSince(createdAt) > lifetime ? nil : next
    }
}
