import Foundation

extension ChatRateLimits {
    static let variable = "METROPOLE_CHAT_RATE_LIMIT"

    /// `METROPOLE_CHAT_RATE_LIMIT=<viewer>/<streamer>` messages per 30 s (default `20/100`).
    /// Operators of very busy channels, and the chat benchmark, change it; the rules stay the
    /// same. A bad value stops start-up with a line naming the variable.
    static func load(from environment: [String: String]) throws(AppConfiguration.Error) -> ChatRateLimits {
        var limits = ChatRateLimits()
        guard let raw = environment[variable]?.trimmingCharacters(in: .whitespaces), !raw.isEmpty else { return limits }
        let parts = raw.split(separator: "/", omittingEmptySubsequences: false).map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard parts.count == 2, let viewer = parts[0], let streamer = parts[1], viewer >= 1, streamer >= 1 else {
            throw AppConfiguration.Error(variable: variable, problem: "\"\(raw)\" is not <viewer>/<streamer> messages per 30 s, e.g. 20/100")
        }
        limits.viewer = viewer
        limits.streamer = streamer
        return limits
    }
}
