import Fluent
import Foundation
import NIOConcurrencyHelpers
import NIOCore
import Vapor

/// The chat of every channel on this node: rooms, the fan-out to sockets, persistence, and
/// moderation hooks. Its periodic work (`tick`, the archive's batches) runs as services of the
/// application's one service group (`AppServices`).
final class ChatService: Sendable {
    /// An empty room is dropped after this long; its history reloads from the database.
    static let roomIdleSeconds: TimeInterval = 300

    /// How often viewer figures are announced and idle senders and rooms forgotten.
    static let tickInterval: Duration = .seconds(2)

    let fanout = ChatFanout()
    let archive: ChatArchive
    let limits: ChatRateLimits
    let viewers: ViewerCounter
    let database: @Sendable () -> any Database
    /// Whether chat sockets count as viewers: not on a web node, where the players on the
    /// ingest nodes count them (a person would be counted on both).
    let countsViewers: Bool
    private let cluster: Cluster
    private let rooms = NIOLockedValueBox([UUID: ChatRoom]())

    init(app: Application, limits: ChatRateLimits) {
        let database: @Sendable () -> any Database = { [unowned app] in app.db }
        self.database = database
        self.limits = limits
        cluster = app.cluster
        viewers = app.live.directory.viewers
        archive = ChatArchive(database: database, logger: app.logger)
        countsViewers = app.metropole.role == .all
        app.ejections.register { [fanout, rooms] viewerID, ownerID, reason in
            let owners = ownerID.map { [$0] } ?? rooms.withLockedValue { Array($0.keys) }
            for owner in owners { fanout.eject(viewerID: viewerID, fromChannelOf: owner, reason: reason) }
        }
    }

    /// The channel's room, loaded from the database the first time.
    func room(for stream: Stream) async throws -> ChatRoom {
        let ownerID = stream.$user.id
        if let room = existingRoom(ownerID: ownerID) {
            room.touch()
            return room
        }
        let history = try await archive.history(forChannelOf: ownerID, limit: ChatRoom.historyLimit)
        let loaded = ChatRoom(ownerID: ownerID, ownerName: stream.user.username, settings: ChatSettings(stream), history: history)
        return rooms.withLockedValue { rooms in
            if let raced = rooms[ownerID] { return raced }
            rooms[ownerID] = loaded
            return loaded
        }
    }

    /// The channels whose chat is loaded now.
    var roomOwnerIDs: [UUID] { rooms.withLockedValue { Array($0.keys) } }

    func existingRoom(ownerID: UUID) -> ChatRoom? {
        rooms.withLockedValue { $0[ownerID] }
    }

    /// Queues an accepted message for the database and sends it to every node; each, this one
    /// too, delivers it when it comes back (`deliver`), so every socket sees one order.
    func publish(_ record: ChatRecord, in room: ChatRoom) {
        archive.append(record)
        MetropoleMetrics.chatMessages.increment()
        cluster.publish(.chat(record))
    }

    /// A message accepted on some node, in the bus's order: into the room's history (and, from
    /// another node, its sender's pace, so slow mode holds across nodes), then to every socket
    /// of the channel here. A message seen before is dropped.
    func deliver(_ record: ChatRecord, fromHere: Bool) {
        guard let room = existingRoom(ownerID: record.channelOwnerID),
              room.accept(record, countingPace: !fromHere, limits: limits) else { return }
        fanout.broadcast(WebSocketFrameBytes.text(ChatFrame.json(ChatFrame.Message(record))), toChannelOf: room.ownerID)
    }

    /// New settings from the dashboard: every open chat gets them at once.
    func apply(_ settings: ChatSettings, toChannelOf ownerID: UUID) {
        guard let room = existingRoom(ownerID: ownerID), room.apply(settings) else { return }
        fanout.broadcast(settings: settings, frame: WebSocketFrameBytes.text(ChatFrame.json(ChatFrame.Settings(settings))),
                         toChannelOf: ownerID)
    }

    /// Announces changed viewer figures, forgets idle senders and empty rooms.
    func tick() {
        let all = rooms.withLockedValue { Array($0.values) }
        var idle: [UUID] = []
        for room in all {
            if let frame = room.viewersAnnouncement(count: viewers.count(username: room.ownerName)) {
                fanout.broadcast(WebSocketFrameBytes.text(ChatFrame.json(frame)), toChannelOf: room.ownerID)
            }
            if room.tidy(limits: limits, idle: Self.roomIdleSeconds) { idle.append(room.ownerID) }
        }
        guard !idle.isEmpty else { return }
        rooms.withLockedValue { rooms in
            for ownerID in idle where rooms[ownerID]?.peopleCount == 0 { rooms[ownerID] = nil }
        }
    }
}

extension Application {
    private struct ChatServiceKey: StorageKey { typealias Value = ChatService }

    var chat: ChatService {
        get { storage[ChatServiceKey.self]! }
        set { storage[ChatServiceKey.self] = newValue }
    }
}
