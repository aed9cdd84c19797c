import Foundation

/// Counts failed sign-ins per username and per client address in a sliding window, so password
/// guessing is slowed for one account and for one source alike. In memory: a restart forgives.
public final class LoginThrottle: Sendable {
    public struct Limits: Sendable {
        public var perUsername: Int = 10
        public var perAddress: Int = 50
        public var window: TimeInterval = 15 * 60

        public init(perUsername: Int = 10, perAddress: Int = 50, window: TimeInterval = 15 * 60) {
            self.perUsername = perUsername
            self.perAddress = perAddress
            self.window = window
        }
    }

    private let limits: Limits
    private let failures: SlidingWindowCounter

    init(limits: Limits = Limits()) {
        self.limits = limits
        failures = SlidingWindowCounter(window: limits.window)
    }

    /// Seconds to wait before another attempt is allowed, or nil when one may go ahead.
    func retryAfter(username: String, address: String?, now: Date = Date()) -> Int? {
        failures.retryAfter(keys(username: username, address: address), now: now)
    }

    func recordFailure(username: String, address: String?, now: Date = Date()) {
        failures.record(keys(username: username, address: address).map(\.key), now: now)
    }

    func recordSuccess(username: String) {
        failures.forget("u:" + Username.key(username))
    }

    private func keys(username: String, address: String?) -> [(key: String, limit: Int)] {
        var keys = [(key: "u:" + Username.key(username), limit: limits.perUsername)]
        if let address { keys.append((key: "a:" + address, limit: limits.perAddress)) }
        return keys
    }
}
