import Vapor

/// `GET /metrics`: Prometheus text for a scraper holding `METROPOLE_METRICS_TOKEN` as its
/// Bearer token. Without the variable the route answers 404, as if it did not exist.
enum MetricsController {
    static let contentType = "text/plain; version=0.0.4; charset=utf-8"

    @Sendable static func show(request: Request) async throws -> Response {
        guard let token = request.application.metropole.metricsToken else { throw Abort(.notFound) }
        guard let presented = request.headers.bearerAuthorization?.token, TokenSecret.constantTimeEquals(presented, token) else {
            throw APIError(status: .unauthorized, code: "unauthorized", message: "Send the metrics token as the Bearer token.",
                           headers: ["WWW-Authenticate": "Bearer"])
        }
        let text = try await MetropoleMetrics.exposition(request.application)
        return Response(status: .ok, headers: ["Content-Type": contentType], body: .init(string: text))
    }
}
