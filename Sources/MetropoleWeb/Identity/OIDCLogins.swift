import Foundation
import NIOConcurrencyHelpers

/// Sign-ins on their way through the provider, kept in memory for ten minutes (decision
/// 0030): the PKCE verifier and the nonce never leave the server. The browser holds only
/// the state, in an HttpOnly cookie the callback must present alongside the same state in
/// its query, so a callback started in another browser (login CSRF) is refused.
final class OIDCLogins: Sendable {
    static let cookieName = "metropole_oidc"
    static let lifetime: TimeInterval = 600
    /// Beyond this many sign-ins pending at once, the oldest are dropped.
    static let capacity = 10_000

    struct Pending: Sendable {
        var verifier: String
        var nonce: String
        var returnTo: String
        var expiresAt: Date
    }

    private let pending = NIOLockedValueBox<[String: Pending]>([:])

    /// A new sign-in: its state (the cookie's value and the `state` parameter) and secrets.
    func begin(returnTo: String, now: Date = Date()) -> (state: String, pending: Pending) {
        let state = TokenSecret.generate()
        let entry = Pending(verifier: TokenSecret.generate(byteCount: 48), nonce: TokenSecret.generate(),
                            returnTo: returnTo, expiresAt: now.addingTimeInterval(Self.lifetime))
        pending.withLockedValue { all in
            all = all.filter { $0.value.expiresAt > now }
            if all.count >= Self.capacity, let oldest = all.min(by: { $0.value.expiresAt < $1.value.expiresAt }) {
                all[oldest.key] = nil
            }
            all[state] = entry
        }
        return (state, entry)
    }

    /// The sign-in `state` names, once: nil when unknown, expired or already finished, or
    /// when the browser's cookie is not the same state.
    func finish(state: String, cookie: String?, now: Date = Date()) -> Pending? {
        guard let cookie, TokenSecret.constantTimeEquals(cookie, state) else { return nil }
        let entry = pending.withLockedValue { $0.removeValue(forKey: state) }
        guard let entry, entry.expiresAt > now else { return nil }
        return entry
    }
}
