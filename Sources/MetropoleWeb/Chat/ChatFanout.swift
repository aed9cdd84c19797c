import Foundation
import NIOConcurrencyHelpers
import NIOCore

/// Delivers frames to every chat socket of a channel. Sockets are grouped by the event loop
/// they live on (one `ChatShard` per loop), so a broadcast costs one hop per loop rather than
/// one per socket, and a burst of messages becomes one flush per socket.
final class ChatFanout: Sendable {
    private let shards = NIOLockedValueBox([ObjectIdentifier: ChatShard]())

    func shard(for loop: any EventLoop) -> ChatShard {
        shards.withLockedValue { shards in
            if let existing = shards[ObjectIdentifier(loop)] { return existing }
            let created = ChatShard(loop: loop)
            shards[ObjectIdentifier(loop)] = created
            return created
        }
    }

    private var allShards: [ChatShard] { shards.withLockedValue { Array($0.values) } }

    /// Sends the same encoded frame (whole WebSocket frame bytes) to every socket on the channel.
    func broadcast(_ frame: ByteBuffer, toChannelOf ownerID: UUID) {
        for shard in allShards { shard.enqueue(.frame(frame, ownerID: ownerID)) }
    }

    /// New settings: the shared `settings` frame, then each viewer's own standing.
    func broadcast(settings: ChatSettings, frame: ByteBuffer, toChannelOf ownerID: UUID) {
        for shard in allShards { shard.enqueue(.settings(settings, frame: frame, ownerID: ownerID)) }
    }

    /// Closes that viewer's chat sockets on that channel with `{"type":"kicked"}` and 4003.
    func eject(viewerID: UUID, fromChannelOf ownerID: UUID, reason: EjectionReason) {
        for shard in allShards { shard.enqueue(.eject(viewerID: viewerID, ownerID: ownerID, reason: reason)) }
    }
}

/// The chat sockets of one event loop. Its socket table is touched only on that loop; other
/// threads hand it work through the locked outbox, drained in one task per burst.
final class ChatShard: @unchecked Sendable {
    enum Work {
        case frame(ByteBuffer, ownerID: UUID)
        case settings(ChatSettings, frame: ByteBuffer, ownerID: UUID)
        case eject(viewerID: UUID, ownerID: UUID, reason: EjectionReason)
    }

    private struct Outbox {
        var work: [Work] = []
        var scheduled = false
    }

    let loop: any EventLoop
    private let outbox = NIOLockedValueBox(Outbox())
    /// Loop-confined: channel owner id → sockets. An array, walked once per burst; each socket
    /// knows its index so leaving is a swap with the last.
    private var rooms: [UUID: [ChatSocket]] = [:]

    init(loop: any EventLoop) {
        self.loop = loop
    }

    func add(_ socket: ChatSocket, ownerID: UUID) {
        loop.preconditionInEventLoop()
        socket.shardIndex = rooms[ownerID, default: []].count
        rooms[ownerID, default: []].append(socket)
    }

    func remove(_ socket: ChatSocket, ownerID: UUID) {
        loop.preconditionInEventLoop()
        guard var sockets = rooms.removeValue(forKey: ownerID) else { return }
        let index = socket.shardIndex
        guard sockets.indices.contains(index), sockets[index] === socket else {
            rooms[ownerID] = sockets
            return
        }
        sockets.swapAt(index, sockets.count - 1)
        sockets[index].shardIndex = index
        sockets.removeLast()
        if !sockets.isEmpty { rooms[ownerID] = sockets }
    }

    func enqueue(_ work: Work) {
        let schedule = outbox.withLockedValue { outbox in
            outbox.work.append(work)
            defer { outbox.scheduled = true }
            return !outbox.scheduled
        }
        if schedule { loop.execute { self.drain() } }
    }

    /// Carries out a burst in order. Frames for a room that arrive together are joined into one
    /// buffer (copied once, for all its sockets), so each socket gets one write and one flush.
    private func drain() {
        let work = outbox.withLockedValue { outbox in
            defer { outbox = Outbox() }
            return outbox.work
        }
        var pending: [UUID: ByteBuffer] = [:]
        for item in work {
            switch item {
            case .frame(let frame, let ownerID):
                if var joined = pending.removeValue(forKey: ownerID) {
                    var next = frame
                    joined.writeBuffer(&next)
                    pending[ownerID] = joined
                } else {
                    pending[ownerID] = frame
                }
            case .settings(let settings, let frame, let ownerID):
                deliver(&pending)
                for socket in rooms[ownerID] ?? [] {
                    socket.deliver(frame)
                    socket.settingsChanged(settings)
                }
            case .eject(let viewerID, let ownerID, let reason):
                deliver(&pending)
                for socket in rooms[ownerID] ?? [] where socket.participant.userID == viewerID {
                    socket.eject(reason)
                }
            }
        }
        deliver(&pending)
    }

    private func deliver(_ pending: inout [UUID: ByteBuffer]) {
        for (ownerID, bytes) in pending {
            // A socket dropped for being slow leaves its room while we walk it: walk a copy.
            for socket in rooms[ownerID] ?? [] { socket.deliver(bytes) }
        }
        pending.removeAll(keepingCapacity: true)
    }
}
