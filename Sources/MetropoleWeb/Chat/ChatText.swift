/// What a chat message's text must be: plain text of 1–500 characters after trimming, with
/// control characters removed (they can reorder or hide text on screen, and terminals and logs
/// interpret them). It is never HTML; clients render it as text.
enum ChatText {
    static let maximumLength = 500

    enum Problem: Error, Equatable {
        case empty
        case tooLong(count: Int)
    }

    /// The cleaned text, or why it cannot be posted.
    static func clean(_ raw: String) -> Result<String, Problem> {
        var kept = String.UnicodeScalarView()
        for scalar in raw.unicodeScalars where !isStripped(scalar) {
            kept.append(scalar)
        }
        let text = String(kept).trimmingWhitespace()
        if text.isEmpty { return .failure(.empty) }
        if text.count > maximumLength { return .failure(.tooLong(count: text.count)) }
        return .success(text)
    }

    /// C0 and C1 controls (newlines included: a chat line is one line), DEL, and the bidi
    /// overrides and isolates that can make text read differently from what was typed.
    private static func isStripped(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x00...0x1F, 0x7F...0x9F: true
        case 0x202A...0x202E, 0x2066...0x2069: true
        default: false
        }
    }
}

private extension String {
    func trimmingWhitespace() -> String {
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { !$0.properties.isWhitespace }),
              let last = scalars.lastIndex(where: { !$0.properties.isWhitespace })
        else { return "" }
        return String(scalars[first...last])
    }
}
