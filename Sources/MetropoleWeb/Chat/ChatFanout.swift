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

    /// Closes that viewer's chat sockets on that channel with `{"type":"kicked"}` and 4003.
    func eject(viewerID: UUID, fromChannelOf ownerID: UUID, reason: EjectionReason) {
        for shard in allShards { shard.enqueue(.eject(viewerID: viewerID, ownerID: ownerID, reason: reason)) }
    }

    /// Closes every socket (server shutdown).
    func closeAll() {
        for shard in allShards { shard.enqueue(.closeAll) }
    }
}

/// The chat sockets of one event loop. Its socket table is touched only on that loop; other
/// threads hand it work through the locked outbox, drained in one task per burst.
final class ChatShard: @unchecked Sendable {
    enum Work {
        case frame(ByteBuffer, ownerID: UUID)
        case eject(viewerID: UUID, ownerID: UUID, reason: EjectionReason)
        case closeAll
    }

    private struct Outbox {
        var work: [Work] = []
        var scheduled = false
    }

    let loop: any EventLoop
    private let outbox = NIOLockedValueBox(Outbox())
    /// Loop-confined: channel owner id → sockets.
    private var rooms: [UUID: [ObjectIdentifier: ChatSocketHandler]] = [:]

    init(loop: any EventLoop) {
        self.loop = loop
    }

    func add(_ socket: ChatSocketHandler, ownerID: UUID) {
        loop.preconditionInEventLoop()
        rooms[ownerID, default: [:]][ObjectIdentifier(socket)] = socket
    }

    func remove(_ socket: ChatSocketHandler, ownerID: UUID) {
        loop.preconditionInEventLoop()
        rooms[ownerID]?[ObjectIdentifier(socket)] = nil
        if rooms[ownerID]?.isEmpty == true { rooms[ownerID] = nil }
    }

    func enqueue(_ work: Work) {
        let schedule = outbox.withLockedValue { outbox in
            outbox.work.append(work)
            defer { outbox.scheduled = true }
            return !outbox.scheduled
        }
        if schedule { loop.execute { self.drain() } }
    }

    private func drain() {
        let work = outbox.withLockedValue { outbox in
            defer { outbox = Outbox() }
            return outbox.work
        }
        var written: [ChatSocketHandler] = []
        for item in work {
            switch item {
            case .frame(let frame, let ownerID):
                for socket in (rooms[ownerID] ?? [:]).values where socket.write(frame) {
                    written.append(socket)
                }
            case .eject(let viewerID, let ownerID, let reason):
                for socket in (rooms[ownerID] ?? [:]).values where socket.participant.userID == viewerID {
                    socket.eject(reason)
                }
            case .closeAll:
                for socket in rooms.values.flatMap(\.values) { socket.goAway() }
            }
        }
        for socket in written { socket.flushIfNeeded() }
    }
}
