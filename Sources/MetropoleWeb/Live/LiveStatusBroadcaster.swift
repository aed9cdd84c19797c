import Foundation
import NIOConcurrencyHelpers
import NIOCore

/// Pushes live status and viewer counts to every open page over server-sent events
/// (`GET /api/v1/events`), so home, sidebar and channel pages update without a reload. An event
/// is encoded once and the same bytes go to every page; a page that stops reading is closed
/// (`SlowReaderPolicy.events`) and reloads what it shows when it reconnects.
final class LiveStatusBroadcaster: EventStream {
    enum Event: Sendable {
        /// `node`: where the stream plays when that is another node than the page's.
        case live(username: String, isLive: Bool, node: URL? = nil)
        case viewers(username: String, count: Int)

        var json: String {
            switch self {
            case .live(let username, let isLive, let node?):
                // Node URLs are validated http(s) URLs without quotes (`AppConfiguration`).
                #"{"isLive":\#(isLive),"node":"\#(node.absoluteString)","type":"live","username":"\#(username)"}"#
            case .live(let username, let isLive, nil):
                #"{"type":"live","username":"\#(username)","isLive":\#(isLive)}"#
            case .viewers(let username, let count):
                #"{"type":"viewers","username":"\#(username)","count":\#(count)}"#
            }
        }
    }

    private let listeners = NIOLockedValueBox([ObjectIdentifier: EventStreamConnection]())

    var listenerCount: Int { listeners.withLockedValue { $0.count } }

    func open(_ connection: EventStreamConnection) {
        let id = ObjectIdentifier(connection)
        listeners.withLockedValue { $0[id] = connection }
        connection.onClose { [weak self] in _ = self?.listeners.withLockedValue { $0.removeValue(forKey: id) } }
        // The retry hint makes browsers reconnect quickly after a restart.
        connection.send(ByteBuffer(string: "retry: 2000\n: connected\n\n"))
    }

    func send(_ event: Event) {
        // Usernames are [A-Za-z0-9_], so the JSON needs no escaping.
        broadcast(ByteBuffer(string: "data: \(event.json)\n\n"))
    }

    /// A comment line now and then: proxies keep the connection open, and writing to a page
    /// that went away is how it is found out and removed.
    func heartbeat() {
        broadcast(ByteBuffer(string: ": keep-alive\n\n"))
    }

    private func broadcast(_ frame: ByteBuffer) {
        for connection in listeners.withLockedValue({ Array($0.values) }) {
            connection.send(frame)
        }
    }
}
