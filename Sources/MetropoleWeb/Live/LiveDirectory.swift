import Fluent
import Foundation
import MetropoleMedia
import MetropoleRTMP
import NIOConcurrencyHelpers
import Vapor

/// Which streams are live right now and where their `LiveHub`s are: the glue between ingest
/// (which publishes hubs by stream id) and playback (which looks them up by username).
/// It also keeps `Stream.isLive` (and the node holding it) in the database true to what ingest
/// reports, and tells every node (`Cluster`), whose pages hear it through `LiveStatusBroadcaster`.
final class LiveDirectory: LiveEventSink, Sendable {
    struct Entry: Sendable {
        var streamID: UUID
        var username: String
        var ownerID: UUID
        var hub: LiveHub
        var startedAt: Date
    }

    private let state = NIOLockedValueBox(State())
    private let database: @Sendable () -> any Database
    private let cluster: Cluster
    /// Where players reach this node, sent with "live" so open pages elsewhere find the stream.
    private let nodeURL: URL?
    private let listings: ListingCache
    private let webhooks: OutboundWebhooks?
    private let recordings: Recordings?
    private let logger: Logger
    let viewers: ViewerCounter
    private let broadcaster: LiveStatusBroadcaster
    /// This node's counts changed since they were last sent to the others (`sendViewerCounts`).
    private let unsentCounts = NIOLockedValueBox([String: Int]())
    /// How often changed counts go to the other nodes: a join or leave is not worth an event
    /// each when thousands come and go.
    static let viewerCountInterval: Duration = .seconds(1)

    private struct State {
        var byStream: [UUID: Entry] = [:]
        var byUsername: [String: UUID] = [:]
    }

    init(database: @escaping @Sendable () -> any Database, cluster: Cluster, broadcaster: LiveStatusBroadcaster, nodeURL: URL?,
         listings: ListingCache,
         webhooks: OutboundWebhooks? = nil, recordings: Recordings? = nil, logger: Logger) {
        self.database = database
        self.cluster = cluster
        self.broadcaster = broadcaster
        self.nodeURL = nodeURL
        self.listings = listings
        self.webhooks = webhooks
        self.recordings = recordings
        self.logger = logger
        self.viewers = ViewerCounter()
        viewers.onChange = { [broadcaster, cluster, weak viewers, unsentCounts] username, count in
            broadcaster.send(.viewers(username: username, count: viewers?.count(username: username) ?? count))
            if cluster.isShared { unsentCounts.withLockedValue { $0[username] = count } }
        }
    }

    /// Sends this node's changed viewer counts to the other nodes.
    func sendViewerCounts() {
        let counts = unsentCounts.withLockedValue { counts in
            defer { counts.removeAll() }
            return counts
        }
        for (username, count) in counts { cluster.publish(.viewers(username: username, count: count)) }
    }

    /// How many streams are live on our own ingest.
    var count: Int { state.withLockedValue { $0.byStream.count } }

    /// Every stream live on our own ingest.
    var entries: [Entry] { state.withLockedValue { Array($0.byStream.values) } }

    /// The live entry of a channel, if it is live.
    func entry(username: String) -> Entry? {
        state.withLockedValue { state in
            state.byUsername[Username.key(username)].flatMap { state.byStream[$0] }
        }
    }

    func entry(streamID: UUID) -> Entry? {
        state.withLockedValue { $0.byStream[streamID] }
    }

    /// After a crash the database may still say "live" for streams nobody publishes. Streams live
    /// on a provider (`keep`) stay so: its hooks go on, and its silence takes them offline.
    func resetLiveFlags(keeping keep: [UUID] = []) async throws {
        let query = Stream.query(on: database()).filter(\.$isLive == true)
        if !keep.isEmpty { query.filter(\.$id !~ keep) }
        try await query.set(\.$isLive, to: false).set(\.$liveNode, to: nil).update()
    }

    // MARK: LiveEventSink

    func published(streamID: String, hub: LiveHub, metadata: PublishMetadata) async {
        guard let id = UUID(uuidString: streamID) else { return }
        do {
            guard let stream = try await Stream.query(on: database()).filter(\.$id == id).with(\.$user).first() else { return }
            let entry = Entry(streamID: id, username: stream.user.username, ownerID: try stream.user.requireID(), hub: hub, startedAt: Date())
            state.withLockedValue { state in
                state.byStream[id] = entry
                state.byUsername[Username.key(entry.username)] = id
            }
            await recordings?.start(streamID: id, hub: hub, stream: stream, startedAt: entry.startedAt)
            logger.info("stream live", metadata: ["channel": "\(entry.username)", "protocol": "\(metadata.ingestProtocol)",
                                                  "encoder": "\(metadata.encoder ?? "?")"])
            await markLive(stream, since: entry.startedAt, heldHere: true)
        } catch {
            logger.report(error: error)
        }
    }

    /// A stream went live: in the database, the listings and every open page on every node.
    /// Hubs of our own ingest (`heldHere`) and streams on external providers (`ExternalStreams`)
    /// both come through here.
    func markLive(_ stream: Stream, since: Date, heldHere: Bool) async {
        do {
            stream.isLive = true
            stream.startedAt = since
            stream.liveNode = heldHere ? cluster.nodeID : nil
            try await stream.save(on: database())
            listings.invalidate()
        } catch {
            logger.report(error: error)
        }
        cluster.publish(.live(username: stream.user.username, isLive: true, node: heldHere ? nodeURL : nil))
        await webhooks?.stream(.streamOnline, stream, owner: stream.user)
    }

    /// This node was taken for dead while its streams went on: they are live again, here.
    func reassertLive() async {
        for entry in entries {
            guard let stream = try? await Stream.query(on: database()).filter(\.$id == entry.streamID).with(\.$user).first() else { continue }
            await markLive(stream, since: entry.startedAt, heldHere: true)
        }
    }

    /// A stream went offline, wherever it was published.
    func markOffline(streamID: UUID, username: String) async {
        do {
            try await Stream.query(on: database()).filter(\.$id == streamID)
                .set(\.$isLive, to: false).set(\.$liveNode, to: nil).update()
            listings.invalidate()
        } catch {
            logger.report(error: error)
        }
        logger.info("stream offline", metadata: ["channel": "\(username)"])
        cluster.publish(.live(username: username, isLive: false, node: nil))
        await webhooks?.stream(.streamOffline, streamID: streamID)
    }

    func unpublished(streamID: String, hub: LiveHub) async {
        guard let id = UUID(uuidString: streamID) else { return }
        // A takeover may already have put a newer hub in place; only the current one ends the stream.
        let ended: Entry? = state.withLockedValue { state in
            guard let entry = state.byStream[id], entry.hub === hub else { return nil }
            state.byStream[id] = nil
            state.byUsername[Username.key(entry.username)] = nil
            return entry
        }
        guard let ended else {
            await recordings?.stop(hub: hub)
            return
        }
        await markOffline(streamID: id, username: ended.username)
        await recordings?.stop(hub: hub)
    }
}
