import Fluent
import FluentPostgresDriver
import Foundation
import Vapor

extension Cluster {
    /// The transport for `location`: none on SQLite (one node), LISTEN/NOTIFY on PostgreSQL,
    /// the polled events table on MySQL/MariaDB (decision 0052).
    static func transport(for location: DatabaseLocation, app: Application) throws -> (any EventTransport)? {
        let database: @Sendable () -> any Database = { [unowned app] in app.db }
        switch location {
        case .sqlite:
            return nil
        case .postgres(let url):
            let configuration = try SQLPostgresConfiguration(url: url).coreConfiguration
            return PostgresEventTransport(configuration: configuration, eventLoopGroup: app.eventLoopGroup, database: database,
                                          logger: app.logger)
        case .mysql:
            return TableEventTransport(database: database, logger: app.logger)
        }
    }

    /// What each event does on this node. Every piece reacts here and nowhere else, so a
    /// change made on this node and one heard from another take the same path.
    static func connect(_ app: Application) {
        let chat = app.chat, live = app.live, listings = app.listings, ejections = app.ejections, nodes = app.nodes
        app.cluster.on { event, fromHere in
            switch event.change {
            case .chat(let record):
                chat.deliver(record, fromHere: fromHere)
            case .chatSettings(let ownerID, let settings):
                chat.apply(settings, toChannelOf: ownerID)
            case .eject(let viewerID, let ownerID, let reason):
                ejections.apply(viewerID: viewerID, ownerID: ownerID, reason: EjectionReason(rawValue: reason) ?? .kicked)
            case .live(let username, let isLive, let node):
                if let node, !fromHere { nodes.heard(from: event.origin, url: node) }
                listings.invalidate()
                if !isLive { live.directory.viewers.reset(username: username) }
                live.broadcaster.send(.live(username: username, isLive: isLive, node: fromHere ? nil : node))
            case .viewers(let username, let count):
                // Pages here heard this node's own change when it happened.
                guard !fromHere else { break }
                live.directory.viewers.set(username: username, node: event.origin, count: count)
                live.broadcaster.send(.viewers(username: username, count: live.directory.viewers.count(username: username)))
            case .disconnect(let streamID):
                // Here, `Ingress.disconnect` already did it, and waited.
                if !fromHere { Task { await live.disconnectPublisher(streamID: streamID) } }
            case .listings:
                listings.invalidate()
            case .nodeGone(let node):
                live.directory.viewers.forget(node: node)
            }
        }
    }
}

extension NodeRegistry {
    /// Registers this serving node with what the others need to know of it.
    static func join(_ app: Application) async throws {
        let configuration = app.metropole, live = app.live, cluster = app.cluster
        let rtmpURL = configuration.role.servesMedia
            ? configuration.rtmpPort.map { Ingress.rtmpURL(host: configuration.nodeURL.host ?? configuration.rtmpHost, port: $0) }
            : nil
        let advert = Advert(role: configuration.role, url: configuration.nodeURL, rtmpURL: rtmpURL, capacity: configuration.nodeCapacity)
        try await app.nodes.register(advert, hooks: Hooks(
            streamCount: { live.directory.count },
            takeOffline: { streamID, username in await live.directory.markOffline(streamID: streamID, username: username) },
            nodeGone: { node in cluster.publish(.nodeGone(node)) },
            rejoined: { await live.directory.reassertLive() }
        ))
    }
}

/// Closes the event transport when the application shuts down.
struct ClusterShutdown: LifecycleHandler {
    func shutdownAsync(_ application: Application) async {
        await application.cluster.stop()
    }
}

extension Application {
    /// The other node holding `stream` while it is live, as the registry knows it: where its
    /// players go. Nil when it is live here, offline, or on an external provider.
    func nodeHolding(_ stream: Stream) -> NodeRegistry.Peer? {
        guard stream.isLive, let node = stream.liveNode, node != cluster.nodeID else { return nil }
        return nodes.peer(node)
    }

    private struct ClusterKey: StorageKey { typealias Value = Cluster }
    private struct NodeRegistryKey: StorageKey { typealias Value = NodeRegistry }

    var cluster: Cluster {
        get { storage[ClusterKey.self]! }
        set { storage[ClusterKey.self] = newValue }
    }

    var nodes: NodeRegistry {
        get { storage[NodeRegistryKey.self]! }
        set { storage[NodeRegistryKey.self] = newValue }
    }
}
