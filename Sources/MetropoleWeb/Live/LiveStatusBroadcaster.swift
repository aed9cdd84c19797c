import Foundation
import NIOConcurrencyHelpers
import NIOCore

/// Pushes live status and viewer counts to every open page over Server-Sent Events, so home,
/// sidebar and channel pages update without a reload. An event is encoded once and the same
/// bytes go to every listener; a listener whose buffer is full misses events rather than
/// slowing anyone (the next page load is authoritative).
final class LiveStatusBroadcaster: Sendable {
    enum Event: Sendable {
        case live(username: String, isLive: Bool)
        case viewers(username: String, count: Int)

        var json: String {
            switch self {
            case .live(let username, let isLive):
                #"{"type":"live","username":"\#(username)","isLive":\#(isLive)}"#
            case .viewers(let username, let count):
                #"{"type":"viewers","username":"\#(username)","count":\#(count)}"#
            }
        }
    }

    private let listeners = NIOLockedValueBox([UUID: AsyncStream<ByteBuffer>.Continuation]())

    /// A stream of SSE-encoded events for one page; ends when `cancel` runs.
    func listen() -> (id: UUID, events: AsyncStream<ByteBuffer>) {
        let id = UUID()
        let (stream, continuation) = AsyncStream<ByteBuffer>.makeStream(bufferingPolicy: .bufferingNewest(64))
        listeners.withLockedValue { $0[id] = continuation }
        continuation.onTermination = { [weak self] _ in
            self?.listeners.withLockedValue { $0[id] = nil }
        }
        return (id, stream)
    }

    func send(_ event: Event) {
        // Usernames are [A-Za-z0-9_], so the JSON needs no escaping.
        let frame = ByteBuffer(string: "data: \(event.json)\n\n")
        for continuation in listeners.withLockedValue({ Array($0.values) }) {
            continuation.yield(frame)
        }
    }

    /// A comment line now and then: proxies keep the connection open, and writing to a page
    /// that went away is how its listener is found out and removed.
    func heartbeat() {
        let frame = ByteBuffer(string: ": keep-alive\n\n")
        for continuation in listeners.withLockedValue({ Array($0.values) }) {
            continuation.yield(frame)
        }
    }
}
