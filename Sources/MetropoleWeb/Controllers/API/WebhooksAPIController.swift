import Vapor

/// `/me/webhooks`: a creator's outbound webhook endpoints, their recent deliveries and the
/// test button. Another creator's endpoint is 404 everywhere.
enum WebhooksAPIController {
    struct WriteRequest: Content {
        var url: String?
        var events: [String]?
    }

    struct DeliveryDTO: Content {
        var id: String
        var type: String
        var status: String
        var attempts: Int
        var lastStatusCode: Int?
        var lastError: String?
        var createdAt: Date
        var lastAttemptAt: Date?
        var nextAttemptAt: Date?
        var deliveredAt: Date?

        init(_ delivery: WebhookDelivery) {
            id = delivery.messageID
            type = delivery.eventType
            status = delivery.status.rawValue
            attempts = delivery.attempts
            lastStatusCode = delivery.lastStatusCode
            lastError = delivery.lastError
            createdAt = delivery.createdAt
            lastAttemptAt = delivery.lastAttemptAt
            nextAttemptAt = delivery.status == .pending ? delivery.nextAttemptAt : nil
            deliveredAt = delivery.deliveredAt
        }
    }

    struct EndpointDTO: Content {
        var id: UUID
        var url: String
        var events: [String]
        var createdAt: Date?
        /// Only in the answer that created it.
        var secret: String?
        /// Only in `GET /me/webhooks/{id}`: the newest first.
        var deliveries: [DeliveryDTO]?

        init(_ endpoint: WebhookEndpoint, secret: String? = nil, deliveries: [WebhookDelivery]? = nil) throws {
            id = try endpoint.requireID()
            url = endpoint.url
            events = endpoint.eventTypes.map(\.rawValue)
            createdAt = endpoint.createdAt
            self.secret = secret
            self.deliveries = deliveries?.map(DeliveryDTO.init)
        }
    }

    struct DeliveryEnvelope: Content {
        var delivery: DeliveryDTO
    }

    @Sendable static func list(request: Request) async throws -> [EndpointDTO] {
        try await request.application.webhooks.endpoints(of: request.requireUser()).map { try EndpointDTO($0) }
    }

    @Sendable static func create(request: Request) async throws -> Response {
        let body = try request.content.decode(WriteRequest.self)
        let (endpoint, secret) = try await request.application.webhooks.create(for: request.requireUser(), url: body.url, events: body.events)
        let response = Response(status: .created)
        try response.content.encode(EndpointDTO(endpoint, secret: secret))
        return response
    }

    @Sendable static func show(request: Request) async throws -> EndpointDTO {
        let webhooks = request.application.webhooks
        let endpoint = try await webhooks.endpoint(request.parameters.get("webhook"), of: request.requireUser())
        return try await EndpointDTO(endpoint, deliveries: webhooks.recentDeliveries(of: endpoint))
    }

    @Sendable static func update(request: Request) async throws -> EndpointDTO {
        let webhooks = request.application.webhooks
        let endpoint = try await webhooks.endpoint(request.parameters.get("webhook"), of: request.requireUser())
        let body = try request.content.decode(WriteRequest.self)
        try await webhooks.update(endpoint, url: body.url, events: body.events)
        return try EndpointDTO(endpoint)
    }

    @Sendable static func delete(request: Request) async throws -> HTTPStatus {
        let webhooks = request.application.webhooks
        try await webhooks.delete(webhooks.endpoint(request.parameters.get("webhook"), of: request.requireUser()))
        return .noContent
    }

    @Sendable static func test(request: Request) async throws -> Response {
        let webhooks = request.application.webhooks
        let endpoint = try await webhooks.endpoint(request.parameters.get("webhook"), of: request.requireUser())
        let delivery = try await webhooks.enqueueTest(to: endpoint)
        let response = Response(status: .accepted)
        try response.content.encode(DeliveryEnvelope(delivery: DeliveryDTO(delivery)))
        return response
    }
}
