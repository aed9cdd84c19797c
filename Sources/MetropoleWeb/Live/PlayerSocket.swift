import Foundation
import MetropoleMedia
import NIOCore

/// One viewer's player on a WebSocket: feeds the hub's deliveries to the socket and leaves the
/// hub, the viewer count and the ejection registry when the socket ends. A delivery's frames are
/// written together and flushed once; the next is taken from the hub only when the last is
/// written, so a slow reader backs up in the hub's bounded queue (which drops it) and past
/// `SlowReaderPolicy.player`'s grace the socket goes too.
final class PlayerSocket: WebSocketEndpoint {
    static let maxFrameSize = 1 << 14

    private let entry: LiveDirectory.Entry
    private let viewer: String
    private let userID: UUID?
    private let live: LiveServices
    private let subscription: LiveSubscription
    private weak var connection: WebSocketConnection?
    private var feeder: Task<Void, Never>?

    init(entry: LiveDirectory.Entry, viewer: String, userID: UUID?, live: LiveServices) {
        self.entry = entry
        self.viewer = viewer
        self.userID = userID
        self.live = live
        self.subscription = entry.hub.subscribe()
    }

    func socketOpened(_ socket: WebSocketConnection) {
        connection = socket
        guard let loop = socket.eventLoop else { return }
        live.directory.viewers.socketOpened(username: entry.username, viewer: viewer)
        let player = NIOLoopBound(self, eventLoop: loop)
        if let userID {
            live.players.add(id: ObjectIdentifier(self), viewerID: userID, ownerID: entry.ownerID) {
                loop.execute { player.value.connection?.close(.ejected) }
            }
        }
        let subscription = subscription
        feeder = Task {
            for await delivery in subscription {
                let written = loop.flatSubmit { player.value.write(delivery, on: loop) }
                do { try await written.get() } catch { break }
            }
        }
    }

    func socket(_ socket: WebSocketConnection, receivedText text: ByteBuffer) {}

    func socket(_ socket: WebSocketConnection, receivedBinary data: ByteBuffer) {}

    func socketBecameWritable(_ socket: WebSocketConnection) {}

    func socketClosed(_ socket: WebSocketConnection) {
        feeder?.cancel()
        subscription.close()
        live.directory.viewers.socketClosed(username: entry.username, viewer: viewer)
        if let userID { live.players.remove(id: ObjectIdentifier(self), viewerID: userID, ownerID: entry.ownerID) }
    }

    /// Writes one delivery as one message; the future completes when its last byte is handed
    /// to the socket.
    private func write(_ delivery: LiveDelivery, on loop: any EventLoop) -> EventLoopFuture<Void> {
        guard let connection else { return loop.makeFailedFuture(ChannelError.ioOnClosedChannel) }
        let done = loop.makePromise(of: Void.self)
        switch delivery {
        case .initSegment(let segment):
            connection.writeMessage([segment], binary: true, written: done)
        case .fragments(let fragments):
            connection.writeMessage(fragments.map(\.bytes), binary: true, written: done)
        case .end:
            connection.sendText(ByteBuffer(string: #"{"type":"end"}"#))
            connection.close(.normal)
            done.succeed()
        case .dropped:
            connection.close(.tooSlow)
            done.succeed()
        case .restart:
            connection.close(.goingAway)
            done.succeed()
        }
        connection.flushIfNeeded()
        return done.futureResult
    }
}
