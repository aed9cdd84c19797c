import Fluent
import Foundation
import Logging
import NIOConcurrencyHelpers

/// The site's running nodes as the shared database knows them (decision 0052). Each node
/// writes a heartbeat every `interval` and reads everyone's; a node whose heartbeat has not
/// moved for `deadAfter` on the reader's own clock is dead (so clocks that disagree between
/// machines do not matter), and the sweeper (the living node with the lowest id, so exactly
/// one, with no election) takes its streams offline on every node and deletes it. Offline
/// within `deadAfter + 2 × interval` of the last heartbeat (read up to one round late, swept
/// at the next): under 3 s.
final class NodeRegistry: Sendable {
    static let interval: Duration = .milliseconds(250)
    static let deadAfter: TimeInterval = 2

    struct Peer: Sendable, Equatable {
        var id: UUID
        var role: NodeRole
        var url: URL
        var rtmpURL: String?
        var capacity: Int
        var streams: Int
    }

    /// What this node says about itself.
    struct Advert: Sendable {
        var role: NodeRole
        var url: URL
        var rtmpURL: String?
        var capacity: Int
    }

    let nodeID: UUID
    private let database: @Sendable () -> any Database
    private let logger: Logger
    private let state = NIOLockedValueBox(State())

    private struct State {
        var advert: Advert?
        var peers: [UUID: Peer] = [:]
        var sweeps = false
        /// Each node's heartbeat as last read, and when (this node's clock) it was first read so.
        var lastMoved: [UUID: (heartbeat: Date, at: Date)] = [:]
    }

    /// Hooks into the rest of the node: streams to take offline, and what to redo when this
    /// node finds itself declared dead (a stall longer than `deadAfter`).
    struct Hooks: Sendable {
        var streamCount: @Sendable () -> Int
        var takeOffline: @Sendable (_ streamID: UUID, _ username: String) async -> Void
        var nodeGone: @Sendable (UUID) -> Void
        var rejoined: @Sendable () async -> Void
    }

    private let hooks: NIOLockedValueBox<Hooks?> = .init(nil)

    init(nodeID: UUID, database: @escaping @Sendable () -> any Database, logger: Logger) {
        self.nodeID = nodeID
        self.database = database
        self.logger = logger
    }

    /// Whether this node has registered (a serving node on a shared database).
    var isActive: Bool { state.withLockedValue { $0.advert != nil } }

    /// Whether this node does the site's once-only work (the sweep, webhook deliveries): the
    /// living node with the lowest id, or this one alone when there is no registry.
    var sweeps: Bool { state.withLockedValue { $0.advert == nil || $0.sweeps } }

    /// The living nodes, this one included, as of the last heartbeat.
    var peers: [Peer] { state.withLockedValue { Array($0.peers.values) } }

    func peer(_ id: UUID) -> Peer? { state.withLockedValue { $0.peers[id] } }

    /// A node announced a stream before this node's next heartbeat read it (just started, or
    /// back after a stall): known by its URL until then, so playback URLs can name it.
    func heard(from id: UUID, url: URL) {
        state.withLockedValue { state in
            guard state.advert != nil, state.peers[id] == nil else { return }
            // Capacity unknown until the row is read: not offered to publishers meanwhile.
            state.peers[id] = Peer(id: id, role: .ingest, url: url, rtmpURL: nil, capacity: 0, streams: 0)
        }
    }

    /// The node taking media publishers with the most room left, for ingest URLs.
    func roomiestIngest() -> Peer? {
        peers.filter { $0.role.servesMedia && $0.streams < $0.capacity }
            .max { ($0.capacity - $0.streams, $1.id.uuidString) < ($1.capacity - $1.streams, $0.id.uuidString) }
    }

    func register(_ advert: Advert, hooks: Hooks) async throws {
        self.hooks.withLockedValue { $0 = hooks }
        state.withLockedValue { $0.advert = advert }
        try await insertSelf(advert, now: Date())
        try await refresh(now: Date())
        logger.info("node registered", metadata: ["node": "\(nodeID)", "role": "\(advert.role.rawValue)", "url": "\(advert.url)"])
    }

    private func insertSelf(_ advert: Advert, now: Date) async throws {
        try await SiteNode(id: nodeID, role: advert.role, url: advert.url.absoluteString, rtmpURL: advert.rtmpURL,
                       capacity: advert.capacity, now: now).create(on: database())
    }

    /// One round: this node's heartbeat, everyone's state, and the sweep when it is ours to do.
    func beat(now: Date = Date()) async {
        guard let advert = state.withLockedValue({ $0.advert }), let hooks = hooks.withLockedValue({ $0 }) else { return }
        do {
            try await SiteNode.query(on: database()).filter(\.$id == nodeID)
                .set(\.$heartbeatAt, to: now).set(\.$streams, to: hooks.streamCount()).update()
            let rows = try await SiteNode.query(on: database()).all()
            if !rows.contains(where: { $0.id == nodeID }) {
                logger.warning("this node was taken for dead (no heartbeat for \(Self.deadAfter) s); registering again")
                try await insertSelf(advert, now: now)
                await hooks.rejoined()
            }
            let living = apply(rows, now: now)
            let sweeps = living.min(by: { $0.uuidString < $1.uuidString }) == nodeID
            state.withLockedValue { $0.sweeps = sweeps }
            if sweeps {
                try await sweep(rows: rows, living: living, hooks: hooks)
            }
        } catch {
            logger.warning("node heartbeat failed: \(String(reflecting: error))")
        }
    }

    private func refresh(now: Date) async throws {
        _ = apply(try await SiteNode.query(on: database()).all(), now: now)
    }

    /// Keeps the living rows as peers; returns their ids (this node always among them). A row
    /// first read now counts as alive until it has had `deadAfter` to move.
    private func apply(_ rows: [SiteNode], now: Date) -> Set<UUID> {
        state.withLockedValue { state in
            var peers: [UUID: Peer] = [:]
            var lastMoved: [UUID: (heartbeat: Date, at: Date)] = [:]
            for row in rows {
                guard let id = row.id else { continue }
                var last = (heartbeat: row.heartbeatAt, at: now)
                if let seen = state.lastMoved[id], seen.heartbeat == row.heartbeatAt { last = seen }
                lastMoved[id] = last
                guard id == nodeID || now.timeIntervalSince(last.at) < Self.deadAfter, let url = URL(string: row.url) else { continue }
                peers[id] = Peer(id: id, role: row.nodeRole, url: url, rtmpURL: row.rtmpURL, capacity: row.capacity, streams: row.streams)
            }
            state.peers = peers
            state.lastMoved = lastMoved
            return Set(peers.keys)
        }
    }

    /// Dead nodes' streams go offline (everywhere, through the hooks' events), then the rows.
    private func sweep(rows: [SiteNode], living: Set<UUID>, hooks: Hooks) async throws {
        let orphans = try await Stream.query(on: database())
            .filter(\.$isLive == true).filter(\.$liveNode != nil).filter(\.$liveNode !~ living.map { Optional($0) })
            .with(\.$user).all()
        for stream in orphans {
            guard let id = stream.id else { continue }
            logger.notice("stream offline: its node stopped answering", metadata: ["channel": "\(stream.user.username)",
                                                                                  "node": "\(stream.liveNode.map { "\($0)" } ?? "?")"])
            await hooks.takeOffline(id, stream.user.username)
        }
        let dead = rows.compactMap(\.id).filter { !living.contains($0) }
        guard !dead.isEmpty else { return }
        try await SiteNode.query(on: database()).filter(\.$id ~~ dead).delete()
        for id in dead {
            logger.notice("node gone", metadata: ["node": "\(id)"])
            hooks.nodeGone(id)
        }
    }

    /// A clean stop: the row goes, so nobody waits for the heartbeat to run out.
    func leave() async {
        guard isActive else { return }
        do { try await SiteNode.query(on: database()).filter(\.$id == nodeID).delete() } catch {
            logger.warning("could not remove this node from the registry: \(String(reflecting: error))")
        }
    }
}
