#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Output without Foundation. Every line is written at once with `write(2)`, so the bench
/// scripts and tests that read a tool's output see each line as it happens.
public enum Output {
    /// One plain-text line on stdout.
    public static func line(_ text: String) {
        writeAll(text + "\n", to: 1)
    }

    /// One JSON object line from already-encoded values (see `json(_:)`).
    public static func event(_ fields: KeyValuePairs<String, String>) {
        line("{" + fields.map { "\"\($0.key)\":\($0.value)" }.joined(separator: ",") + "}")
    }

    public static func json(_ string: String) -> String {
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

    public static func json(_ values: [Int]) -> String {
        "[" + values.map(String.init).joined(separator: ",") + "]"
    }

    /// `{"name":count,…}`, names in order.
    public static func json(_ counts: [String: Int]) -> String {
        "{" + counts.sorted { $0.key < $1.key }.map { "\(json($0.key)):\($0.value)" }.joined(separator: ",") + "}"
    }

    public static func writeLines(_ lines: [String], to path: String) -> Bool {
        guard let file = fopen(path, "w") else { return false }
        defer { fclose(file) }
        for line in lines {
            fputs(line + "\n", file)
        }
        return true
    }

    /// Stops the tool with `<tool>: message` on stderr and exit status 2 (a usage error).
    public static func fail(_ message: String) -> Never {
        let tool = CommandLine.arguments.first?.split(separator: "/").last.map(String.init) ?? "load tool"
        writeAll("\(tool): \(message)\n", to: 2)
        exit(2)
    }

    private static func writeAll(_ text: String, to descriptor: Int32) {
        var bytes = Array(text.utf8)[...]
        while !bytes.isEmpty {
            let written = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
            guard written > 0 else { return }
            bytes = bytes.dropFirst(written)
        }
    }
}
