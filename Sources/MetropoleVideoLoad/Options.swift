/// `--name value` command-line options, each read once; unknown names are an error.
struct Options {
    private var values: [String: String] = [:]

    init(_ arguments: ArraySlice<String>) {
        var iterator = arguments.makeIterator()
        while let name = iterator.next() {
            guard name.hasPrefix("--"), let value = iterator.next() else { Output.fail("expected --name value, got \(name)") }
            values[String(name.dropFirst(2))] = value
        }
    }

    mutating func string(_ name: String, default fallback: String? = nil) -> String {
        guard let value = values.removeValue(forKey: name) ?? fallback else { Output.fail("missing --\(name)") }
        return value
    }

    mutating func optionalString(_ name: String) -> String? {
        values.removeValue(forKey: name)
    }

    mutating func int(_ name: String, default fallback: Int? = nil) -> Int {
        let text = string(name, default: fallback.map(String.init))
        guard let value = Int(text) else { Output.fail("--\(name) wants a whole number, got \(text)") }
        return value
    }

    mutating func double(_ name: String, default fallback: Double) -> Double {
        let text = string(name, default: String(fallback))
        guard let value = Double(text) else { Output.fail("--\(name) wants a number, got \(text)") }
        return value
    }

    func finish() {
        if let unknown = values.keys.sorted().first { Output.fail("unknown option --\(unknown)") }
    }
}
