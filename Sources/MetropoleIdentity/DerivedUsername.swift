import Crypto
import Foundation

/// Usernames for users who come from elsewhere (sync events, OpenID Connect), under the same
/// rules as sign-up: 3–24 of `A–Z a–z 0–9 _`, unique regardless of case, not a reserved word
/// (decision 0031).
public enum DerivedUsername {
    public static let lengths = 3...24

    /// The name to try first: the first of the preferred name, the first name, the e-mail's
    /// local part that survives `sanitize`; too short or reserved gets `_user`; nothing at all
    /// is `user`.
    public static func base(for profile: ExternalProfile, reserved: Set<String>) -> String {
        let sources = [profile.username, profile.firstName, profile.email.map { String($0.prefix { $0 != "@" }) }]
        var name = sources.lazy.compactMap { $0 }.map(sanitize).first { !$0.isEmpty } ?? "user"
        if name.count < lengths.lowerBound || reserved.contains(name.lowercased()) {
            name = truncate(name, to: lengths.upperBound - 5) + "_user"
        }
        return name
    }

    /// Letters and digits kept (accents dropped: `é` → `e`), every run of anything else one
    /// `_`, none at either end, at most 24 characters.
    public static func sanitize(_ raw: String) -> String {
        var out = ""
        var pendingUnderscore = false
        for scalar in raw.decomposedStringWithCanonicalMapping.unicodeScalars {
            if scalar.properties.generalCategory == .nonspacingMark { continue }
            let kept = scalar.isASCII && (("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar) || ("0"..."9").contains(scalar))
            if kept {
                if pendingUnderscore && !out.isEmpty { out.append("_") }
                pendingUnderscore = false
                out.unicodeScalars.append(scalar)
                if out.count >= lengths.upperBound { break }
            } else {
                pendingUnderscore = true
            }
        }
        return out
    }

    /// Names to try in order when `base` is taken: `base`, then `base_` and 4, then 8 hex digits
    /// of SHA-256 of `seed` (the provider and the user's id there, so the same person gets
    /// the same name whatever order accounts arrive in), then those 8 digits and `_2`…`_50`.
    public static func candidates(base: String, seed: String) -> [String] {
        let digest = SHA256.hash(data: Data(seed.utf8)).map { String(format: "%02x", $0) }.joined()
        let short = String(digest.prefix(4)), long = String(digest.prefix(8))
        var names = [base]
        names.append(truncate(base, to: lengths.upperBound - short.count - 1) + "_" + short)
        names.append(truncate(base, to: lengths.upperBound - long.count - 1) + "_" + long)
        for number in 2...50 {
            let suffix = "_\(long)_\(number)"
            names.append(truncate(base, to: lengths.upperBound - suffix.count) + suffix)
        }
        return names
    }

    private static func truncate(_ name: String, to length: Int) -> String {
        var cut = String(name.prefix(max(1, length)))
        while cut.count > 1, cut.hasSuffix("_") { cut.removeLast() }
        return cut
    }
}
