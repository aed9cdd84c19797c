import Fluent
import Foundation
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
/// intervals is taken offline (`sweep`). Sessions live in the database (`ProviderSession`,
/// decision 0053): behind a load balancer a provider's hooks about one publisher reach
/// different web nodes, and each must know what the first was told.
final class ExternalStreams: Sendable {
    private let directory: LiveDirectory
    private let database: @Sendable () -> any Database
    private let logger: Logger

    init(directory: LiveDirectory, database: @escaping @Sendable () -> any Database, logger: Logger) {
        self.directory = directory
        self.database = database
        self.logger = logger
    }

    func session(streamID: UUID) async -> ExternalSession? {
        await current { $0.filter(\.$id == streamID) }?.session
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
        guard let id = stream.id, let digest = stream.streamKeyDigest else { return }
        do {
            let existing = try await ProviderSession.find(id, on: database())
            let sameSession = existing.map { $0.provider == provider && $0.sessionID == sessionID } ?? false
            if sameSession, let existing, Self.isStale(eventTime, after: existing.lastEventAt) { return }
            let wasLive = existing.map { !$0.ended } ?? false
            let row = existing ?? ProviderSession(streamID: id)
            row.provider = provider
            row.username = stream.user.username
            row.sessionID = sessionID
            row.keyDigest = digest
            if !(sameSession && wasLive) { row.startedAt = now }
            row.lastSeen = now
            if eventTime != nil || !sameSession { row.lastEventAt = eventTime }
            row.ended = false
            try await row.save(on: database())
            logger.info("stream live on a provider", metadata: ["channel": "\(row.username)", "provider": "\(provider)"])
            if !wasLive || !stream.isLive { await directory.markLive(stream, since: row.startedAt, heldHere: false) }
        } catch {
            logger.report(error: error)
        }
    }

    /// The server reported the session again; nil when it is not (or no longer) the current one.
    @discardableResult
    func heard(provider: String, sessionID: String, now: Date = Date()) async -> ExternalSession? {
        guard let row = await current({ $0.filter(\.$provider == provider).filter(\.$sessionID == sessionID) }) else { return nil }
        row.lastSeen = now
        do { try await row.save(on: database()) } catch { logger.report(error: error) }
        return row.session
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
        do {
            guard let row = try await ProviderSession.query(on: database())
                .filter(\.$provider == provider).filter(\.$sessionID == sessionID).first(),
                  !Self.isStale(eventTime, after: row.lastEventAt) else { return }
            let wasLive = !row.ended
            row.ended = true
            row.lastEventAt = eventTime ?? row.lastEventAt
            try await row.save(on: database())
            if wasLive, let id = row.id { await directory.markOffline(streamID: id, username: row.username) }
        } catch {
            logger.report(error: error)
        }
    }

    /// An event older than (or as old as) the newest one applied to its session.
    private static func isStale(_ eventTime: Date?, after last: Date?) -> Bool {
        guard let eventTime, let last else { return false }
        return eventTime <= last
    }

    /// Metropole ends a stream on its provider: a new key, another provider chosen.
    func disconnect(streamID: UUID, providers: Providers, client: any Client) async {
        guard let session = await session(streamID: streamID) else { return }
        await providers.provider(id: session.providerID)?.disconnect(session, client: client)
        await ended(provider: session.providerID, sessionID: session.sessionID)
    }

    /// A poll of `provider`'s API found `live` sessions: they are heard.
    func reconcile(provider: String, live: [String], now: Date = Date()) async {
        guard !live.isEmpty else { return }
        do {
            try await ProviderSession.query(on: database()).filter(\.$provider == provider).filter(\.$ended == false)
                .filter(\.$sessionID ~~ live).set(\.$lastSeen, to: now).update()
        } catch {
            logger.report(error: error)
        }
    }

    /// Takes offline every stream its provider has not reported for two of its intervals.
    func sweep(providers: Providers, now: Date = Date()) async {
        guard let open = try? await ProviderSession.query(on: database()).filter(\.$ended == false).all() else { return }
        let silent = open.filter { session in
            let interval = providers.provider(id: session.provider)?.definition.interval ?? 10
            return now.timeIntervalSince(session.lastSeen) > 2 * interval
        }
        for session in silent {
            logger.warning("provider went silent about a stream; taking it offline",
                           metadata: ["channel": "\(session.username)", "provider": "\(session.provider)"])
            await ended(provider: session.provider, sessionID: session.sessionID)
        }
    }

    /// The streams live on a provider now (a restart leaves them live: the provider's hooks go on).
    func openStreamIDs() async throws -> [UUID] {
        try await ProviderSession.query(on: database()).filter(\.$ended == false).all(\.$id)
    }

    private func current(_ filter: (QueryBuilder<ProviderSession>) -> QueryBuilder<ProviderSession>) async -> ProviderSession? {
        do {
            return try await filter(ProviderSession.query(on: database()).filter(\.$ended == false)).first()
        } catch {
            logger.report(error: error)
            return nil
        }
    }
}
