#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Output without Foundation: JSON lines on stdout, written at once with `write(2)` so the
/// bench scripts read each line as it happens, and plain-text logs.
enum Output {
    /// Writes one JSON object line from already-encoded values (see `json(_:)`).
    static func event(_ fields: KeyValuePairs<String, String>) {
        writeAll("{" + fields.map { "\"\($0.key)\":\($0.value)" }.joined(separator: ",") + "}\n", to: 1)
    }

    private static func writeAll(_ text: String, to descriptor: Int32) {
        var bytes = Array(text.utf8)[...]
        while !bytes.isEmpty {
            let written = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
            guard written > 0 else { return }
            bytes = bytes.dropFirst(written)
        }
    }

    static func json(_ string: String) -> String {
        var escaped = "\""
        for scalar in string.unicodeScalars {
            switch scalar {
            case "\"": escaped += "\\\""
            case "\\": escaped += "\\\\"
            case _ where scalar.value < 0x20: escaped += "\\u00" + (scalar.value < 16 ? "0" : "") + String(scalar.value, radix: 16)
            default: escaped.unicodeScalars.append(scalar)
            }
        }
        return escaped + "\""
    }

    static func json(_ values: [Int]) -> String {
        "[" + values.map(String.init).joined(separator: ",") + "]"
    }

    static func writeLines(_ lines: [String], to path: String) -> Bool {
        guard let file = fopen(path, "w") else { return false }
        defer { fclose(file) }
        for line in lines {
            fputs(line + "\n", file)
        }
        return true
    }

    static func fail(_ message: String) -> Never {
        writeAll("metropole-video-load: \(message)\n", to: 2)
        exit(2)
    }
}

extension Array where Element: Comparable {
    /// Nearest-rank percentile of an unsorted array (`fraction` in 0...1).
    func percentile(_ fraction: Double) -> Element? {
        guard !isEmpty else { return nil }
        let sorted = self.sorted()
        let rank = Int((fraction * Double(sorted.count)).rounded(.up)) - 1
        return sorted[Swift.max(0, Swift.min(sorted.count - 1, rank))]
    }
}
