/// `--name value` command-line options, each read once; an unknown or missing option stops the
/// tool with a usage error (exit status 2).
public struct Options {
    private var values: [String: String] = [:]

    public init(_ arguments: ArraySlice<String>) {
        var iterator = arguments.makeIterator()
        while let name = iterator.next() {
            guard name.hasPrefix("--"), let value = iterator.next() else { Output.fail("expected --name value, got \(name)") }
            values[String(name.dropFirst(2))] = value
        }
    }

    public mutating func string(_ name: String, default fallback: String? = nil) -> String {
        guard let value = values.removeValue(forKey: name) ?? fallback else { Output.fail("missing --\(name)") }
        return value
    }

    public mutating func optionalString(_ name: String) -> String? {
        values.removeValue(forKey: name)
    }

    public mutating func int(_ name: String, default fallback: Int? = nil) -> Int {
        let text = string(name, default: fallback.map(String.init))
        guard let value = Int(text) else { Output.fail("--\(name) wants a whole number, got \(text)") }
        return value
    }

    public mutating func optionalInt(_ name: String) -> Int? {
        guard let text = values.removeValue(forKey: name) else { return nil }
        guard let value = Int(text) else { Output.fail("--\(name) wants a whole number, got \(text)") }
        return value
    }

    /// A count, size or duration: zero or less is a mistake, not a request for nothing.
    public mutating func positiveInt(_ name: String, default fallback: Int? = nil) -> Int {
        let value = int(name, default: fallback)
        guard value > 0 else { Output.fail("--\(name) wants a positive number, got \(value)") }
        return value
    }

    public mutating func double(_ name: String, default fallback: Double) -> Double {
        let text = string(name, default: String(fallback))
        guard let value = Double(text) else { Output.fail("--\(name) wants a number, got \(text)") }
        return value
    }

    public func finish() {
        if let unknown = values.keys.sorted().first { Output.fail("unknown option --\(unknown)") }
    }
}
