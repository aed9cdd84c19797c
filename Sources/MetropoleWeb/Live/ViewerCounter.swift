import Foundation
import NIOConcurrencyHelpers
import Vapor

/// Distinct people watching each channel: a person is counted once however many sockets or
/// HLS sessions they hold. WebSocket viewers count while connected; LL-HLS readers, who only
/// poll, count while their session id was seen in the last `hlsWindow` seconds. Other nodes'
/// counts come as events (`elsewhere`) and are added: a person is distinct per node.
final class ViewerCounter: Sendable {
    static let hlsWindow: TimeInterval = 10

    private struct Channel {
        var sockets: [String: Int] = [:]
        var hls: [String: Date] = [:]
        var lastReported = 0
    }

    private let channels = NIOLockedValueBox([String: Channel]())
    /// Channel key → node → that node's last reported count.
    private let elsewhere = NIOLockedValueBox([String: [UUID: Int]]())
    private let changeHandler = NIOLockedValueBox<(@Sendable (String, Int) -> Void)?>(nil)

    /// Called with (username, this node's count) whenever this node's count changes.
    var onChange: (@Sendable (String, Int) -> Void)? {
        get { changeHandler.withLockedValue { $0 } }
        set { changeHandler.withLockedValue { $0 = newValue } }
    }

    /// Viewers on every node.
    func count(username: String, now: Date = Date()) -> Int {
        let key = Username.key(username)
        let here = channels.withLockedValue { Self.distinct(in: $0[key], now: now) }
        return here + elsewhere.withLockedValue { $0[key]?.values.reduce(0, +) ?? 0 }
    }

    /// Another node's count of a channel.
    func set(username: String, node: UUID, count: Int) {
        elsewhere.withLockedValue { $0[Username.key(username), default: [:]][node] = count > 0 ? count : nil }
    }

    /// A node stopped: its viewers are gone.
    func forget(node: UUID) {
        elsewhere.withLockedValue { table in
            for key in table.keys { table[key]?[node] = nil }
            table = table.filter { !$0.value.isEmpty }
        }
    }

    func socketOpened(username: String, viewer: String) {
        update(username) { $0.sockets[viewer, default: 0] += 1 }
    }

    func socketClosed(username: String, viewer: String) {
        update(username) { channel in
            let remaining = (channel.sockets[viewer] ?? 1) - 1
            channel.sockets[viewer] = remaining > 0 ? remaining : nil
        }
    }

    func hlsSeen(username: String, viewer: String, now: Date = Date()) {
        update(username, now: now) { $0.hls[viewer] = now }
    }

    /// The channel went offline: nobody watches it, here or elsewhere.
    func reset(username: String) {
        elsewhere.withLockedValue { $0[Username.key(username)] = nil }
        update(username) { $0 = Channel(lastReported: $0.lastReported) }
    }

    /// LL-HLS sessions seen in the last `hlsWindow` seconds, on every channel.
    func hlsSessions(now: Date = Date()) -> Int {
        channels.withLockedValue { channels in
            channels.values.reduce(0) { total, channel in
                total + channel.hls.values.filter { now.timeIntervalSince($0) < Self.hlsWindow }.count
            }
        }
    }

    /// Drops HLS sessions that stopped polling; called periodically.
    func expire(now: Date = Date()) {
        let names = channels.withLockedValue { Array($0.keys) }
        for name in names {
            update(name, now: now) { channel in
                channel.hls = channel.hls.filter { now.timeIntervalSince($0.value) < Self.hlsWindow }
            }
        }
    }

    private func update(_ username: String, now: Date = Date(), _ change: (inout Channel) -> Void) {
        let key = Username.key(username)
        let changed: Int? = channels.withLockedValue { channels in
            var channel = channels[key] ?? Channel()
            change(&channel)
            let count = Self.distinct(in: channel, now: now)
            let previous = channel.lastReported
            channel.lastReported = count
            channels[key] = channel.sockets.isEmpty && channel.hls.isEmpty ? nil : channel
            return count == previous ? nil : count
        }
        if let changed { onChange?(username, changed) }
    }

    /// Socket viewers plus recent HLS readers who hold no socket. O(HLS readers), not O(all):
    /// it runs on every join and leave, and a big channel has thousands of sockets.
    private static func distinct(in channel: Channel?, now: Date) -> Int {
        guard let channel else { return 0 }
        var count = channel.sockets.count
        for (viewer, seen) in channel.hls where channel.sockets[viewer] == nil && now.timeIntervalSince(seen) < hlsWindow {
            count += 1
        }
        return count
    }
}

extension ViewerCounter {
    /// Who is watching or chatting, so a person is counted once: the player's own id (shared
    /// by the player and the chat of one page), else the signed-in user, else `fallback` (this
    /// connection alone).
    static func viewerID(_ request: Request, fallback: @autoclosure () -> String) -> String {
        if let id = try? request.query.get(String.self, at: "viewer"), (8...64).contains(id.count),
           id.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }) {
            return "v:" + id
        }
        if let userID = request.currentUser?.id { return "u:" + userID.uuidString }
        return fallback()
    }
}
