import MetropoleIdentity
import MetropoleStandardWebhooks
import Vapor

/// `POST /api/v1/webhooks/users`: user sync from an identity provider, Standard Webhooks
/// signed (Clerk sends the `svix-*` header names). 404 while `METROPOLE_USER_WEBHOOK_SECRET`
/// is unset; 401 for a bad signature or a timestamp off by more than five minutes (nothing
/// changes); 200 `{"result": "applied" | "ignored", "reason"?}`.
enum UserWebhooksAPIController {
    struct Answer: Content {
        var result: String
        var reason: String?
    }

    @Sendable static func receive(request: Request) async throws -> Answer {
        guard let secret = request.application.metropole.identity.userWebhookSecret else {
            throw APIError.notFound("User sync is not configured (METROPOLE_USER_WEBHOOK_SECRET).")
        }
        let body = request.body.data ?? ByteBuffer()
        let bytes = body.readableBytesView
        let headers: WebhookHeaders
        do throws(WebhookVerificationError) {
            headers = try WebhookHeaders { request.headers.first(name: $0) }
            try StandardWebhooks.verify(headers, body: bytes, secret: secret, now: Int64(Date().timeIntervalSince1970))
        } catch {
            request.logger.notice("user webhook refused: \(error)")
            throw error == .timestampOutOfTolerance
                ? APIError(status: .unauthorized, code: "stale_timestamp", message: "The webhook timestamp is more than five minutes from now.")
                : APIError(status: .unauthorized, code: "invalid_signature", message: "The webhook signature does not match.")
        }
        if try await UserSync.hasSeen(headers.id, on: request.db) { return Answer(result: "ignored", reason: "replay") }

        let event: UserSyncEvent?
        do { event = try UserSyncEvent.decode(bytes) } catch {
            throw APIError.validation(error.description, code: "invalid_event")
        }
        guard let event else {
            try await UserSync.remember(headers.id, on: request.db)
            return Answer(result: "ignored", reason: "unhandled_type")
        }
        let outcome = try await UserSync.apply(event, in: request.application)
        try await UserSync.remember(headers.id, on: request.db)
        request.logger.info("user webhook \(event.kind.rawValue) \(event.subject): \(outcome.rawValue)")
        return outcome == .applied ? Answer(result: "applied") : Answer(result: "ignored", reason: outcome.rawValue)
    }
}
