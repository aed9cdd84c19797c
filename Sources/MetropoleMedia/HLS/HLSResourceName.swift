/// The names of LL-HLS resources: `init.mp4` (later configurations `init{n}.mp4`),
/// `seg{msn}.m4s`, `part{msn}.{index}.m4s`. One type both writes the names into the playlist
/// and reads them back from requests, so the two never drift.
///
/// The playlist lists each one under its broadcast, `{broadcast}/{name}` (`uri(broadcast:)`):
/// media sequence numbers and init generations start again at 0 with every publisher, so
/// without it a cache would answer today's `part0.0.m4s` with yesterday's (decision 0051).
public enum HLSResourceName: Sendable, Hashable, CustomStringConvertible {
    /// Generation 0 is the stream's first configuration.
    case initSegment(generation: Int)
    case segment(msn: Int)
    case part(msn: Int, index: Int)

    public var description: String {
        switch self {
        case .initSegment(let generation): generation == 0 ? "init.mp4" : "init\(generation).mp4"
        case .segment(let msn): "seg\(msn).m4s"
        case .part(let msn, let index): "part\(msn).\(index).m4s"
        }
    }

    /// The URI the playlist of broadcast `broadcast` lists, relative to the playlist.
    public func uri(broadcast: String) -> String {
        "\(broadcast)/\(self)"
    }

    /// A new broadcast's token: 13 characters of `0-9a-z` (64 random bits), so no two
    /// publications of any channel share one.
    public static func makeBroadcast() -> String {
        let token = String(UInt64.random(in: .min ... .max), radix: 36)
        return String(repeating: "0", count: 13 - token.count) + token
    }

    /// Parses a requested name; `nil` for anything this stream never publishes.
    public init?(_ name: some StringProtocol) {
        if name == "init.mp4" {
            self = .initSegment(generation: 0)
        } else if let generation = Self.number(in: name, prefix: "init", suffix: ".mp4"), generation > 0 {
            self = .initSegment(generation: generation)
        } else if let msn = Self.number(in: name, prefix: "seg", suffix: ".m4s") {
            self = .segment(msn: msn)
        } else if name.hasPrefix("part"), name.hasSuffix(".m4s") {
            let numbers = name.dropFirst(4).dropLast(4).split(separator: ".", omittingEmptySubsequences: false)
            guard numbers.count == 2, let msn = Self.decimal(numbers[0]), let index = Self.decimal(numbers[1])
            else { return nil }
            self = .part(msn: msn, index: index)
        } else {
            return nil
        }
    }

    private static func number(in name: some StringProtocol, prefix: String, suffix: String) -> Int? {
        guard name.hasPrefix(prefix), name.hasSuffix(suffix), name.count > prefix.count + suffix.count else { return nil }
        return decimal(name.dropFirst(prefix.count).dropLast(suffix.count))
    }

    /// Plain ASCII digits only: `Int("+1")` would accept a sign, and two spellings of one
    /// resource would defeat CDN caching.
    private static func decimal(_ text: some StringProtocol) -> Int? {
        guard !text.isEmpty, text.count <= 9, text.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
        return Int(text)
    }
}
