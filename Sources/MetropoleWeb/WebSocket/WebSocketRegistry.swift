import NIOConcurrencyHelpers
import NIOCore

/// Every open WebSocket, grouped by event loop: the keepalive sweeps them, and counts come
/// from here. A shard's table is touched only on its loop; a sweep is one hop per loop.
final class WebSocketRegistry: Sendable {
    let keepalive: WebSocketKeepalive
    private let shards = NIOLockedValueBox([ObjectIdentifier: Shard]())

    init(keepalive: WebSocketKeepalive) {
        self.keepalive = keepalive
    }

    func shard(for loop: any EventLoop) -> Shard {
        shards.withLockedValue { shards in
            if let existing = shards[ObjectIdentifier(loop)] { return existing }
            let created = Shard(loop: loop)
            shards[ObjectIdentifier(loop)] = created
            return created
        }
    }

    /// Pings silent sockets and closes those that left a ping unanswered; run every interval.
    func sweep() {
        let keepalive = keepalive
        for shard in shards.withLockedValue({ Array($0.values) }) {
            shard.loop.execute { shard.sweep(now: .now(), keepalive) }
        }
    }

    /// Open sockets, counted on their loops.
    func count() async -> Int {
        var total = 0
        for shard in shards.withLockedValue({ Array($0.values) }) {
            total += (try? await shard.loop.submit { shard.sockets.count }.get()) ?? 0
        }
        return total
    }

    /// Open sockets by `WebSocketConnection.kind`, counted on their loops.
    func countsByKind() async -> [String: Int] {
        var totals: [String: Int] = [:]
        for shard in shards.withLockedValue({ Array($0.values) }) {
            let counts = (try? await shard.loop.submit { Dictionary(shard.sockets.map { ($0.kind, 1) }, uniquingKeysWith: +) }.get()) ?? [:]
            totals.merge(counts, uniquingKeysWith: +)
        }
        return totals
    }

    /// The sockets of one event loop, touched only on that loop.
    final class Shard: @unchecked Sendable {
        let loop: any EventLoop
        fileprivate var sockets: [WebSocketConnection] = []

        init(loop: any EventLoop) {
            self.loop = loop
        }

        func add(_ socket: WebSocketConnection) {
            loop.preconditionInEventLoop()
            socket.registryIndex = sockets.count
            sockets.append(socket)
        }

        func remove(_ socket: WebSocketConnection) {
            loop.preconditionInEventLoop()
            let index = socket.registryIndex
            guard sockets.indices.contains(index), sockets[index] === socket else { return }
            sockets.swapAt(index, sockets.count - 1)
            sockets[index].registryIndex = index
            sockets.removeLast()
        }

        fileprivate func sweep(now: NIODeadline, _ keepalive: WebSocketKeepalive) {
            // A socket closed by the sweep leaves the table while it is walked: walk a copy.
            for socket in sockets { socket.keepAlive(now: now, keepalive) }
        }
    }
}
