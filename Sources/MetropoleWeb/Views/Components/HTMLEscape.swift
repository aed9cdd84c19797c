import Plot

/// Plot leaves attribute values unescaped and keeps existing `&entities;` in text, so every
/// string a user could have typed goes through these instead: text is text, always.
enum HTMLEscape {
    static func text(_ string: String) -> String {
        var out = ""
        out.reserveCapacity(string.utf8.count)
        for character in string.unicodeScalars {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.unicodeScalars.append(character)
            }
        }
        return out
    }
}

extension Node {
    /// Escaped text content.
    static func safe(_ text: String) -> Node { .raw(HTMLEscape.text(text)) }

    /// An attribute whose value is escaped.
    static func attr(_ name: String, _ value: String) -> Node {
        .attribute(named: name, value: HTMLEscape.text(value), ignoreIfValueIsEmpty: false)
    }
}

extension Attribute {
    /// An attribute whose value is escaped (for elements that take attributes only, like `input`).
    static func attr(_ name: String, _ value: String) -> Attribute {
        Attribute(name: name, value: HTMLEscape.text(value), ignoreIfValueIsEmpty: false)
    }
}
