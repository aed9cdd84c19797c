import Foundation
import NIOConcurrencyHelpers

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
    private let failures = NIOLockedValueBox([String: [Date]]())

    init(limits: Limits = Limits()) {
        self.limits = limits
    }

    /// Seconds to wait before another attempt is allowed, or nil when one may go ahead.
    func retryAfter(username: String, address: String?, now: Date = Date()) -> Int? {
        failures.withLockedValue { table in
            let keys = Self.keys(username: username, address: address, limits: limits)
            var wait: TimeInterval = 0
            for (key, limit) in keys {
                let recent = (table[key] ?? []).filter { now.timeIntervalSince($0) < limits.window }
                table[key] = recent.isEmpty ? nil : recent
                if recent.count >= limit, let oldest = recent.first {
                    wait = max(wait, limits.window - now.timeIntervalSince(oldest))
                }
            }
            return wait > 0 ? max(1, Int(wait.rounded(.up))) : nil
        }
    }

    func recordFailure(username: String, address: String?, now: Date = Date()) {
        failures.withLockedValue { table in
            // Guessing across many usernames must not grow the table without bound.
            if table.count > 10_000 {
                table = table.compactMapValues { dates in
                    let recent = dates.filter { now.timeIntervalSince($0) < limits.window }
                    return recent.isEmpty ? nil : recent
                }
            }
            for (key, _) in Self.keys(username: username, address: address, limits: limits) {
                table[key, default: []].append(now)
            }
        }
    }

    func recordSuccess(username: String) {
        _ = failures.withLockedValue { $0.removeValue(forKey: "u:" + Username.key(username)) }
    }

    private static func keys(username: String, address: String?, limits: Limits) -> [(String, Int)] {
        var keys = [("u:" + Username.key(username), limits.perUsername)]
        if let address { keys.append(("a:" + address, limits.perAddress)) }
        return keys
    }
}
