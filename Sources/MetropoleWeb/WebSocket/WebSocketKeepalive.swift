import NIOCore

/// Finds WebSockets whose peer vanished without closing (a closed laptop lid, a dropped
/// network): TCP alone would keep them for hours, in the presence list and the file table.
/// A socket silent for an interval is pinged (browsers answer by themselves); one that has not
/// answered by the next sweep is closed (`goingAway`). One rule for chat and player sockets.
struct WebSocketKeepalive: Sendable, Equatable {
    static let variable = "METROPOLE_WEBSOCKET_PING_SECONDS"
    static let formerVariable = "METROPOLE_CHAT_PING_SECONDS"

    var interval: TimeAmount = .seconds(30)

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
