import Fluent
import Foundation
import NIOConcurrencyHelpers
import Vapor

/// A stream live on an external provider: who publishes it there, since when, when the server
/// last said so.
struct ExternalSession: Sendable, Equatable {
    var streamID: UUID
    var providerID: String
    var username: String
    /// The server's id for the publisher: nginx-rtmp's `clientid`, MediaMTX's connection id,
    /// SRS's `client_id`, LiveKit's ingress id.
    var sessionID: String
    /// The key's digest when the publish was allowed: a new key ends the session.
    var keyDigest: String
    var startedAt: Date
    var lastSeen: Date
}

/// Live status from external media servers: their hooks (or Metropole's polls of their API)
/// come here, and so does what Metropole decides (a key regenerated, a provider switched).
/// Idempotent and ordered: a report about an older publisher than the current one changes
/// nothing, a repeated one only refreshes. A stream not heard of for two of its provider's
/// intervals is taken offline (`sweep`).
final class ExternalStreams: Sendable {
    private let sessions = NIOLockedValueBox([UUID: ExternalSession]())
    /// When the last event about each provider session happened, for servers that say (LiveKit's
    /// `createdAt`): a late report of an older event changes nothing.
    private let lastEvents = NIOLockedValueBox([String: Date]())
    private let directory: LiveDirectory
    private let database: @Sendable () -> any Database
    private let logger: Logger

    init(directory: LiveDirectory, database: @escaping @Sendable () -> any Database, logger: Logger) {
        self.directory = directory
        self.database = database
        self.logger = logger
    }

    func session(streamID: UUID) -> ExternalSession? {
        sessions.withLockedValue { $0[streamID] }
    }

    func session(provider: String, username: String) -> ExternalSession? {
        sessions.withLockedValue { $0.values.first { $0.providerID == provider && Username.key($0.username) == Username.key(username) } }
    }

    /// The stream `key` publishes, when it may publish through `provider`: the key is the
    /// channel's current one and the channel chose this provider. `username`, when the server
    /// names the channel too (a MediaMTX path, an SRS stream), must be that channel.
    func authorize(key: String, provider: String, username: String? = nil) async -> Stream? {
        guard !key.isEmpty, key.utf8.count <= 256,
              let stream = try? await Stream.query(on: database()).filter(\.$streamKeyDigest == TokenSecret.digest(key))
                .with(\.$user).first(),
              let stored = stream.streamKey, TokenSecret.constantTimeEquals(stored, key),
              stream.user.preferredProvider == provider, !stream.user.isSuspended
        else { return nil }
        if let username, Username.key(username) != Username.key(stream.user.username) { return nil }
        return stream
    }

    /// The server says `stream` is live under `sessionID`. A second publisher of the same
    /// stream takes over, as on our own ingest.
    func started(_ stream: Stream, provider: String, sessionID: String, at eventTime: Date? = nil, now: Date = Date()) async {
        guard let id = stream.id, let digest = stream.streamKeyDigest, isNewest(provider, sessionID, eventTime) else { return }
        let session = ExternalSession(streamID: id, providerID: provider, username: stream.user.username, sessionID: sessionID,
                                      keyDigest: digest, startedAt: now, lastSeen: now)
        let wasLive = sessions.withLockedValue { sessions in
            defer { sessions[id] = session }
            return sessions[id] != nil
        }
        logger.info("stream live on a provider", metadata: ["channel": "\(session.username)", "provider": "\(provider)"])
        if !wasLive || !stream.isLive { await directory.markLive(stream, since: now, heldHere: false) }
    }

    /// The server reported the session again; nil when it is not (or no longer) the current one.
    @discardableResult
    func heard(provider: String, sessionID: String, now: Date = Date()) -> ExternalSession? {
        sessions.withLockedValue { sessions in
            guard let (id, session) = sessions.first(where: { $0.value.providerID == provider && $0.value.sessionID == sessionID }) else {
                return nil
            }
            sessions[id]?.lastSeen = now
            return session
        }
    }

    /// Whether the session's key and provider are still the channel's: the answer to
    /// nginx-rtmp's periodic `on_update`.
    func stillAllowed(_ session: ExternalSession) async -> Bool {
        guard let stream = try? await Stream.query(on: database()).filter(\.$id == session.streamID).with(\.$user).first() else {
            return false
        }
        return stream.streamKeyDigest == session.keyDigest && stream.user.preferredProvider == session.providerID
            && !stream.user.isSuspended
    }

    /// The server says the session ended. Only the current session of its stream ends it.
    func ended(provider: String, sessionID: String, at eventTime: Date? = nil) async {
        guard isNewest(provider, sessionID, eventTime) else { return }
        let ended: ExternalSession? = sessions.withLockedValue { sessions in
            guard let (id, session) = sessions.first(where: { $0.value.providerID == provider && $0.value.sessionID == sessionID }) else {
                return nil
            }
            sessions[id] = nil
            return session
        }
        if let ended { await directory.markOffline(streamID: ended.streamID, username: ended.username) }
    }

    /// Records `eventTime` for the session unless an event at least as new was seen already.
    private func isNewest(_ provider: String, _ sessionID: String, _ eventTime: Date?) -> Bool {
        guard let eventTime else { return true }
        return lastEvents.withLockedValue { events in
            let key = provider + "/" + sessionID
            if let last = events[key], last >= eventTime { return false }
            if events.count > 10_000 { events.removeAll(keepingCapacity: true) }
            events[key] = eventTime
            return true
        }
    }

    /// Metropole ends a stream on its provider: a new key, another provider chosen.
    func disconnect(streamID: UUID, providers: Providers, client: any Client) async {
        guard let session = session(streamID: streamID) else { return }
        await providers.provider(id: session.providerID)?.disconnect(session, client: client)
        await ended(provider: session.providerID, sessionID: session.sessionID)
    }

    /// A poll of `provider`'s API found `live` sessions: they are heard; this provider's others
    /// have ended.
    func reconcile(provider: String, live: [String], now: Date = Date()) async {
        let known = sessions.withLockedValue { $0.values.filter { $0.providerID == provider } }
        for session in known {
            if live.contains(session.sessionID) {
                heard(provider: provider, sessionID: session.sessionID, now: now)
            }
        }
    }

    /// Takes offline every stream its provider has not reported for two of its intervals.
    func sweep(providers: Providers, now: Date = Date()) async {
        let silent = sessions.withLockedValue { sessions in
            sessions.values.filter { session in
                let interval = providers.provider(id: session.providerID)?.definition.interval ?? 10
                return now.timeIntervalSince(session.lastSeen) > 2 * interval
            }
        }
        for session in silent {
            logger.warning("provider went silent about a stream; taking it offline",
                           metadata: ["channel": "\(session.username)", "provider": "\(session.providerID)"])
            await ended(provider: session.providerID, sessionID: session.sessionID)
        }
    }
}
