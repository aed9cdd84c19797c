import Fluent
import Foundation
import MetropoleMedia
import MetropoleRTMP
import NIOConcurrencyHelpers
import Vapor

/// Which streams are live right now and where their `LiveHub`s are: the glue between ingest
/// (which publishes hubs by stream id) and playback (which looks them up by username).
/// It also keeps `Stream.isLive` in the database true to what ingest reports, and tells the
/// pages through `LiveStatusBroadcaster`.
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
    private let broadcaster: LiveStatusBroadcaster
    private let listings: ListingCache
    private let webhooks: OutboundWebhooks?
    private let recordings: Recordings?
    private let logger: Logger
    let viewers: ViewerCounter

    private struct State {
        var byStream: [UUID: Entry] = [:]
        var byUsername: [String: UUID] = [:]
    }

    init(database: @escaping @Sendable () -> any Database, broadcaster: LiveStatusBroadcaster, listings: ListingCache,
         webhooks: OutboundWebhooks? = nil, recordings: Recordings? = nil, logger: Logger) {
        self.database = database
        self.broadcaster = broadcaster
        self.listings = listings
        self.webhooks = webhooks
        self.recordings = recordings
        self.logger = logger
        self.viewers = ViewerCounter()
        viewers.onChange = { [broadcaster] username, count in
            broadcaster.send(.viewers(username: username, count: count))
        }
    }

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

    /// After a crash the database may still say "live" for streams nobody publishes.
    func resetLiveFlags() async throws {
        try await Stream.query(on: database()).filter(\.$isLive == true).set(\.$isLive, to: false).update()
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
            await markLive(stream, since: entry.startedAt)
        } catch {
            logger.report(error: error)
        }
    }

    /// A stream went live: in the database, the listings and every open page. Hubs of our own
    /// ingest and streams on external providers (`ExternalStreams`) both come through here.
    func markLive(_ stream: Stream, since: Date) async {
        do {
            stream.isLive = true
            stream.startedAt = since
            try await stream.save(on: database())
            listings.invalidate()
        } catch {
            logger.report(error: error)
        }
        broadcaster.send(.live(username: stream.user.username, isLive: true))
        await webhooks?.stream(.streamOnline, stream, owner: stream.user)
    }

    /// A stream went offline, wherever it was published.
    func markOffline(streamID: UUID, username: String) async {
        viewers.reset(username: username)
        do {
            try await Stream.query(on: database()).filter(\.$id == streamID).set(\.$isLive, to: false).update()
            listings.invalidate()
        } catch {
            logger.report(error: error)
        }
        logger.info("stream offline", metadata: ["channel": "\(username)"])
        broadcaster.send(.live(username: username, isLive: false))
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
