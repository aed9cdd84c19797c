import AsyncHTTPClient
import Fluent
import Foundation
import MetropoleStandardWebhooks
import NIOConcurrencyHelpers
import NIOCore
import ServiceLifecycle
import SQLKit
import Vapor

/// Sends queued deliveries: every `tick`, the oldest pending delivery of each endpoint is
/// attempted when due (the ones behind it wait, so each endpoint gets its events in order),
/// at most `concurrency` at once, each bounded by `timeout`. Requests never wait on it, and a
/// slow or dead endpoint holds only its own queue and one slot. 2xx is delivered; anything
/// else (3xx included: redirects are not followed) is retried per `WebhookRetryPolicy`, then
/// marked failed.
final class WebhookDeliveryWorker: Service, Sendable {
    static let tick: Duration = .milliseconds(500)
    static let timeout: TimeAmount = .seconds(10)
    static let concurrency = 8

    let webhooks: OutboundWebhooks
    private let client: HTTPClient
    private let inFlight = NIOLockedValueBox(Set<UUID>())
    /// Whether this node sends: on a site of several nodes only one does (the registry's
    /// sweeper), so an endpoint gets each delivery once and its queue in order.
    private let sends: @Sendable () -> Bool

    init(webhooks: OutboundWebhooks, eventLoopGroup: any EventLoopGroup, sends: @escaping @Sendable () -> Bool = { true }) {
        self.webhooks = webhooks
        self.sends = sends
        var pool = HTTPClient.Configuration.ConnectionPool()
        // A refused connection is a failed attempt, retried on our schedule, not the client's.
        pool.retryConnectionEstablishment = false
        self.client = HTTPClient(
            eventLoopGroup: eventLoopGroup,
            configuration: .init(redirectConfiguration: .disallow,
                                 timeout: .init(connect: .seconds(5), read: Self.timeout),
                                 connectionPool: pool, proxy: nil),
            backgroundActivityLogger: webhooks.logger)
    }

    func run() async throws {
        await withDiscardingTaskGroup { group in
            while !Task.isShuttingDownGracefully && !Task.isCancelled {
                for delivery in sends() ? await claimDue() : [] {
                    group.addTask { await self.attempt(delivery) }
                }
                do { try await Task.sleep(for: Self.tick) } catch { break }
            }
        }
        try? await client.shutdown()
    }

    /// One round, awaited: what tests call instead of running the service.
    func runOnce(now: Date = Date()) async {
        await withDiscardingTaskGroup { group in
            for delivery in await claimDue(now: now) { group.addTask { await self.attempt(delivery, now: now) } }
        }
    }

    func shutdown() async { try? await client.shutdown() }

    /// The due heads of the endpoints' queues, marked in flight, as many as free slots allow.
    func claimDue(now: Date = Date()) async -> [WebhookDelivery] {
        let free = Self.concurrency - inFlight.withLockedValue { $0.count }
        guard free > 0 else { return [] }
        do {
            let heads = try await Self.heads(on: webhooks.database())
                .filter { $0.nextAttemptAt <= now }
                .sorted { $0.nextAttemptAt < $1.nextAttemptAt }
            return inFlight.withLockedValue { busy in
                var claimed: [WebhookDelivery] = []
                for head in heads where claimed.count < free && !busy.contains(head.$endpoint.id) {
                    busy.insert(head.$endpoint.id)
                    claimed.append(head)
                }
                return claimed
            }
        } catch {
            webhooks.logger.report(error: error)
            return []
        }
    }

    /// The oldest pending delivery of every endpoint, with its endpoint.
    static func heads(on database: any Database) async throws -> [WebhookDelivery] {
        guard let sql = database as? any SQLDatabase else { return [] }
        let rows = try await sql.select()
            .column(SQLFunction("MIN", args: SQLIdentifier("sequence")), as: "head")
            .from(WebhookDelivery.schema)
            .where(SQLIdentifier("status"), .equal, SQLBind(WebhookDelivery.Status.pending.rawValue))
            .groupBy(SQLIdentifier("endpoint_id"))
            .all()
        let sequences = try rows.map { try $0.decode(column: "head", as: Int64.self) }
        guard !sequences.isEmpty else { return [] }
        let candidates = try await WebhookDelivery.query(on: database)
            .filter(\.$sequence ~~ sequences).filter(\.$statusName == WebhookDelivery.Status.pending.rawValue)
            .with(\.$endpoint).all()
        // Sequences are unique in practice; should two endpoints' heads share one, each keeps its own.
        var byEndpoint: [UUID: WebhookDelivery] = [:]
        for candidate in candidates where byEndpoint[candidate.$endpoint.id].map({ $0.sequence > candidate.sequence }) ?? true {
            byEndpoint[candidate.$endpoint.id] = candidate
        }
        return Array(byEndpoint.values)
    }

    /// Sends one delivery and records what happened.
    func attempt(_ delivery: WebhookDelivery, now: Date = Date()) async {
        let endpointID = delivery.$endpoint.id
        defer { _ = inFlight.withLockedValue { $0.remove(endpointID) } }
        let outcome = await send(delivery)
        delivery.attempts += 1
        delivery.lastAttemptAt = now
        delivery.lastStatusCode = outcome.statusCode
        delivery.lastError = outcome.error.map { String($0.prefix(240)) }
        if outcome.delivered {
            delivery.status = .delivered
            delivery.deliveredAt = now
        } else if let next = webhooks.retry.nextAttempt(afterAttempt: delivery.attempts, createdAt: delivery.createdAt,
                                                         now: now, retryAfter: outcome.retryAfter) {
            delivery.nextAttemptAt = next
        } else {
            delivery.status = .failed
            webhooks.logger.notice("webhook delivery given up", metadata: [
                "webhook-id": "\(delivery.messageID)", "endpoint": "\(endpointID)", "attempts": "\(delivery.attempts)",
                "last-error": "\(delivery.lastError ?? "")",
            ])
        }
        do {
            try await delivery.save(on: webhooks.database())
            if delivery.status == .failed { try await expireQueue(of: endpointID, now: now) }
        } catch {
            webhooks.logger.report(error: error)
        }
    }

    /// Deliveries that waited a whole day behind the one just given up fail with it, rather
    /// than each taking a turn at an endpoint that is down.
    private func expireQueue(of endpointID: UUID, now: Date) async throws {
        try await WebhookDelivery.query(on: webhooks.database())
            .filter(\.$endpoint.$id == endpointID)
            .filter(\.$statusName == WebhookDelivery.Status.pending.rawValue)
            .filter(\.$createdAt < now.addingTimeInterval(-webhooks.retry.lifetime))
            .set(\.$statusName, to: WebhookDelivery.Status.failed.rawValue)
            .set(\.$lastError, to: "expired: waited a day behind an earlier delivery that failed")
            .update()
    }

    struct Outcome: Sendable, Equatable {
        var statusCode: Int?
        var error: String?
        var retryAfter: TimeInterval?
        var delivered: Bool { statusCode.map { (200..<300).contains($0) } ?? false }
    }

    private func send(_ delivery: WebhookDelivery) async -> Outcome {
        let endpoint = delivery.endpoint
        let allowPrivate = webhooks.allowPrivate
        do {
            guard let secret = try? WebhookSecret(string: webhooks.box.open(endpoint.sealedSecret)) else {
                // On a site of several nodes, most likely a node with its own key file.
                return Outcome(error: "the endpoint's secret is unusable: is \(WebhookSecretBox.fileName) in METROPOLE_DATA_DIR the same on every node?")
            }
            let destination: OutboundDestination
            switch OutboundDestination.parse(endpoint.url, allowPrivate: allowPrivate) {
            case .success(let parsed): destination = parsed
            case .failure(let problem): return Outcome(error: problem.description)
            }
            let addresses: [SocketAddress]
            do { addresses = try await destination.resolve(allowPrivate: allowPrivate) } catch {
                return Outcome(error: error.description)
            }
            let body = Data(delivery.payload.utf8)
            var request = HTTPClientRequest(url: Self.pinnedURL(destination, to: addresses.first))
            request.method = .POST
            request.headers.add(name: "Host", value: destination.hostHeader)
            request.headers.add(name: "Content-Type", value: "application/json")
            request.headers.add(name: "User-Agent", value: "Metropole-Webhooks/1")
            let signed = StandardWebhooks.sign(id: delivery.messageID, timestamp: Int64(Date().timeIntervalSince1970),
                                               body: body, secret: secret)
            for field in signed.fields { request.headers.add(name: field.name, value: field.value) }
            request.body = .bytes(ByteBuffer(data: body))
            let response = try await client.execute(request, timeout: Self.timeout)
            // The answer's body is not needed; read a little so the connection can be reused.
            _ = try? await response.body.collect(upTo: 64 * 1024)
            let code = Int(response.status.code)
            return Outcome(statusCode: code, error: (200..<300).contains(code) ? nil : "answered \(code)",
                           retryAfter: response.headers.first(name: "Retry-After").flatMap(TimeInterval.init))
        } catch {
            return Outcome(error: String(describing: error))
        }
    }

    /// Plain http connects to the address just checked, so the name cannot be re-resolved to
    /// another between check and connect; https keeps the name for TLS (certificate and SNI).
    static func pinnedURL(_ destination: OutboundDestination, to address: SocketAddress?) -> String {
        guard destination.scheme == "http", let ip = address?.ipAddress,
              var components = URLComponents(url: destination.url, resolvingAgainstBaseURL: false)
        else { return destination.url.absoluteString }
        components.host = ip.contains(":") ? "[\(ip)]" : ip
        components.port = destination.port
        return components.string ?? destination.url.absoluteString
    }
}

extension OutboundDestination {
    var hostHeader: String {
        let name = host.contains(":") ? "[\(host)]" : host
        return port == (scheme == "https" ? 443 : 80) ? name : "\(name):\(port)"
    }
}
