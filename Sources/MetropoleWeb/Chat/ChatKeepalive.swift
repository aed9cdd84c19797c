import Foundation
import NIOCore

/// Finds chat sockets whose peer vanished without closing (a closed laptop lid, a dropped
/// network): TCP alone would keep them for hours, in the presence list and the file table.
/// A socket silent for an interval is pinged (browsers answer by themselves); one that has not
/// answered by the next sweep is closed.
struct ChatKeepalive: Sendable, Equatable {
    static let variable = "METROPOLE_CHAT_PING_SECONDS"

    var interval: TimeAmount = .seconds(30)

    /// `METROPOLE_CHAT_PING_SECONDS=<1…3600>` (default 30). A bad value stops start-up with a
    /// line naming the variable.
    static func load(from environment: [String: String]) throws(AppConfiguration.Error) -> ChatKeepalive {
        var keepalive = ChatKeepalive()
        guard let raw = environment[variable]?.trimmingCharacters(in: .whitespaces), !raw.isEmpty else { return keepalive }
        guard let seconds = Int64(raw), (1...3600).contains(seconds) else {
            throw AppConfiguration.Error(variable: variable, problem: "\"\(raw)\" is not a number of seconds from 1 to 3600")
        }
        keepalive.interval = .seconds(seconds)
        return keepalive
    }

    enum Verdict: Equatable {
        case alive
        case ping
        case close
    }

    /// What a socket needs now: `silence` since it last sent anything, `unansweredPing` since
    /// the ping it has not answered (nil when there is none). Sweeps run once per interval, so
    /// half an interval is enough to tell "not answered by the next sweep" apart from jitter.
    func verdict(silence: TimeAmount, unansweredPing: TimeAmount?) -> Verdict {
        if let unansweredPing { return unansweredPing >= .nanoseconds(interval.nanoseconds / 2) ? .close : .alive }
        return silence >= interval ? .ping : .alive
    }
}
