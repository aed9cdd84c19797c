/// Username rules: 3–24 letters, digits or underscores; unique regardless of case; shown as typed.
enum Username {
    static let lengths = 3...24

    /// Names that would collide with a top-level route of the site (`/{username}` is a channel).
    static let reserved: Set<String> = [
        "api", "live", "u", "signin", "signup", "signout", "search", "settings", "dashboard", "healthz",
        "css", "js", "img", "fonts", "uploads", "thumbnails", "avatars", "static", "public", "admin",
        "metropole", "about", "help", "favicon", "robots", "me", "users", "streams", "sessions", "metrics",
        "vod", "videos",
    ]

    static func key(_ username: String) -> String { username.lowercased() }

    /// Why the name cannot be used, or nil when it can.
    static func problem(with username: String) -> String? {
        guard lengths.contains(username.count) else {
            return "Username must be \(lengths.lowerBound)–\(lengths.upperBound) characters."
        }
        guard username.unicodeScalars.allSatisfy({ $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "_") }) else {
            return "Username may contain only letters a–z, digits and underscores."
        }
        guard !reserved.contains(key(username)) else { return "That username is reserved." }
        return nil
    }
}

enum Password {
    static let minimumLength = 8
    /// Bcrypt reads at most 72 bytes; longer passwords would silently share a prefix.
    static let maximumBytes = 72

    static func problem(with password: String) -> String? {
        if password.count < minimumLength { return "Password must be at least \(minimumLength) characters." }
        if password.utf8.count > maximumBytes { return "Password must be at most \(maximumBytes) bytes." }
        return nil
    }
}
