import Fluent
import Foundation
import MetropoleStandardWebhooks
import Vapor

/// The outbound webhooks of the installation: turns what happens (a stream goes live, a
/// follow, a profile change) into queued deliveries, one per interested endpoint, and keeps
/// the operator's site-wide endpoints in step with their file. Enqueueing is one query and
/// one insert per endpoint; sending is `WebhookDeliveryWorker`'s.
final class OutboundWebhooks: Sendable {
    let database: @Sendable () -> any Database
    let box: WebhookSecretBox
    let publicURL: URL
    let allowPrivate: Bool
    let retry: WebhookRetryPolicy
    let sequence = WebhookSequence()
    let logger: Logger

    init(database: @escaping @Sendable () -> any Database, box: WebhookSecretBox, configuration: AppConfiguration, logger: Logger) {
        self.database = database
        self.box = box
        self.publicURL = configuration.publicURL
        self.allowPrivate = configuration.webhooksAllowPrivate
        self.retry = configuration.webhookRetry
        self.logger = logger
    }

    // MARK: events

    /// A stream went online or offline, or its title, settings or thumbnail changed.
    func stream(_ type: WebhookEventType, streamID: UUID) async {
        do {
            guard let stream = try await Stream.query(on: database()).filter(\.$id == streamID).with(\.$user).first() else { return }
            await enqueue(type, about: stream.$user.id, data: streamData(stream, owner: stream.user))
        } catch {
            logger.report(error: error)
        }
    }

    /// The same, for a stream whose owner is at hand.
    func stream(_ type: WebhookEventType, _ stream: Stream, owner: User) async {
        await enqueue(type, about: stream.$user.id, data: streamData(stream, owner: owner))
    }

    /// `follower` now follows `followed`: `followed`'s endpoints hear of it.
    func followCreated(follower: User, followed: User) async {
        do {
            let count = try await SocialGraph.followerCount(of: followed.requireID(), on: database())
            let data = WebhookFollowData(follower: party(follower), followed: party(followed), followerCount: count)
            try await enqueue(.followCreated, about: followed.requireID(), data: data)
        } catch {
            logger.report(error: error)
        }
    }

    /// The user changed their profile (bio, avatar, provider).
    func userUpdated(_ user: User) async {
        guard let id = user.id else { return }
        await enqueue(.userUpdated, about: id, data: userData(user))
    }

    func streamData(_ stream: Stream, owner: User) -> WebhookStreamData {
        WebhookStreamData(username: owner.username, title: stream.title, isLive: stream.isLive,
                          startedAt: stream.isLive ? stream.startedAt : nil,
                          thumbnailUrl: stream.thumbnail.map { absolute(SiteURL.thumbnail($0)) },
                          url: absolute(.channel(owner.username)))
    }

    func userData(_ user: User) -> WebhookUserData {
        WebhookUserData(username: user.username, bio: user.bio, avatarUrl: user.avatar.map { absolute(SiteURL.avatar($0)) },
                        url: absolute(.channel(user.username)))
    }

    private func party(_ user: User) -> WebhookFollowData.Party {
        .init(username: user.username, url: absolute(.channel(user.username)))
    }

    private func absolute(_ url: SiteURL) -> String { publicURL.absoluteString + url.path }

    /// Queues `data` for the endpoints of `ownerID` and the site's that want `type`. Failures
    /// are logged, never thrown: an event must not fail what caused it.
    func enqueue<D: Encodable & Sendable>(_ type: WebhookEventType, about ownerID: UUID, data: D, now: Date = Date()) async {
        do {
            let endpoints = try await WebhookEndpoint.query(on: database())
                .group(.or) { $0.filter(\.$owner.$id == ownerID).filter(\.$owner.$id == nil) }
                .all()
                .filter { $0.wants(type) }
            guard !endpoints.isEmpty else { return }
            try await insert(type.rawValue, data: data, for: endpoints, now: now)
        } catch {
            logger.report(error: error)
        }
    }

    /// The "Send test event" button: one delivery to this endpoint alone.
    @discardableResult
    func enqueueTest(to endpoint: WebhookEndpoint, now: Date = Date()) async throws -> WebhookDelivery {
        let data = WebhookTestData(endpointId: try endpoint.requireID(), message: "A test event from Metropole.")
        return try await insert(WebhookEventType.testType, data: data, for: [endpoint], now: now)[0]
    }

    @discardableResult
    private func insert<D: Encodable & Sendable>(_ type: String, data: D, for endpoints: [WebhookEndpoint], now: Date) async throws -> [WebhookDelivery] {
        let body = try JSONEncoder.metropole.encode(WebhookPayload(type: type, timestamp: now, data: data))
        let payload = String(decoding: body, as: UTF8.self)
        let messageID = "msg_" + TokenSecret.generate(byteCount: 16)
        let deliveries = try endpoints.map { endpoint in
            WebhookDelivery(endpointID: try endpoint.requireID(), messageID: messageID, eventType: type, payload: payload,
                            sequence: sequence.next(now: now), at: now)
        }
        try await deliveries.create(on: database())
        return deliveries
    }

    // MARK: endpoints

    static let maximumEndpointsPerCreator = 10

    /// A checked URL and event list, or the contract's 422.
    func validated(url: String?, events: [String]?) throws -> (String, [WebhookEventType]) {
        guard let url = url?.trimmingCharacters(in: .whitespaces), !url.isEmpty else {
            throw APIError.validation("url is required.", code: "invalid_url")
        }
        if case .failure(let problem) = OutboundDestination.parse(url, allowPrivate: allowPrivate) {
            throw APIError.validation(problem.description, code: problem.code)
        }
        guard let names = events, !names.isEmpty else {
            throw APIError.validation("events must list at least one of \(WebhookEventType.list).", code: "invalid_events")
        }
        switch WebhookEventType.parse(names) {
        case .success(let types): return (url, types)
        case .failure(let unknown):
            throw APIError.validation("\"\(unknown.name)\" is not an event; use \(WebhookEventType.list).", code: "invalid_events")
        }
    }

    /// A new endpoint of `owner`, and its secret (shown this once).
    func create(for owner: User, url: String?, events: [String]?) async throws -> (WebhookEndpoint, String) {
        let (url, types) = try validated(url: url, events: events)
        let ownerID = try owner.requireID()
        let count = try await WebhookEndpoint.query(on: database()).filter(\.$owner.$id == ownerID).count()
        guard count < Self.maximumEndpointsPerCreator else {
            throw APIError.validation("You have \(count) webhooks already, the most there can be; delete one first.", code: "too_many_webhooks")
        }
        let secret = WebhookSecret.generate().string
        let endpoint = WebhookEndpoint(ownerID: ownerID, url: url, events: types, sealedSecret: try box.seal(secret))
        try await endpoint.create(on: database())
        return (endpoint, secret)
    }

    func update(_ endpoint: WebhookEndpoint, url: String?, events: [String]?) async throws {
        let (newURL, types) = try validated(url: url ?? endpoint.url, events: events ?? endpoint.eventTypes.map(\.rawValue))
        endpoint.url = newURL
        endpoint.eventTypes = types
        try await endpoint.save(on: database())
    }

    /// `owner`'s endpoint with this id, or 404 (also for anyone else's).
    func endpoint(_ id: String?, of owner: User) async throws -> WebhookEndpoint {
        guard let id = id.flatMap(UUID.init(uuidString:)),
              let endpoint = try await WebhookEndpoint.query(on: database())
                .filter(\.$id == id).filter(\.$owner.$id == owner.requireID()).first()
        else { throw APIError.notFound("No webhook by that id.") }
        return endpoint
    }

    func endpoints(of owner: User) async throws -> [WebhookEndpoint] {
        try await WebhookEndpoint.query(on: database()).filter(\.$owner.$id == owner.requireID()).sort(\.$createdAt).all()
    }

    /// The newest deliveries of an endpoint, newest first.
    func recentDeliveries(of endpoint: WebhookEndpoint, limit: Int = 20) async throws -> [WebhookDelivery] {
        try await WebhookDelivery.query(on: database()).filter(\.$endpoint.$id == endpoint.requireID())
            .sort(\.$sequence, .descending).limit(limit).all()
    }

    func delete(_ endpoint: WebhookEndpoint) async throws {
        try await WebhookDelivery.query(on: database()).filter(\.$endpoint.$id == endpoint.requireID()).delete()
        try await endpoint.delete(on: database())
    }

    /// Makes the site-wide endpoints in the database those of the file: new ones added, changed
    /// ones updated (queued deliveries kept), removed ones deleted with their queue.
    func syncSiteEndpoints(_ hooks: [SiteWebhook]) async throws {
        let existing = try await WebhookEndpoint.query(on: database()).filter(\.$owner.$id == nil).all()
        for hook in hooks {
            if let row = existing.first(where: { $0.url == hook.url }) {
                row.eventTypes = hook.events
                if (try? box.open(row.sealedSecret)) != hook.secret { row.sealedSecret = try box.seal(hook.secret) }
                if row.hasChanges { try await row.save(on: database()) }
            } else {
                try await WebhookEndpoint(ownerID: nil, url: hook.url, events: hook.events, sealedSecret: box.seal(hook.secret))
                    .create(on: database())
            }
        }
        for row in existing where !hooks.contains(where: { $0.url == row.url }) {
            try await delete(row)
        }
    }
}

extension Application {
    private struct OutboundWebhooksKey: StorageKey { typealias Value = OutboundWebhooks }

    var webhooks: OutboundWebhooks {
        get { storage[OutboundWebhooksKey.self]! }
        set { storage[OutboundWebhooksKey.self] = newValue }
    }
}
