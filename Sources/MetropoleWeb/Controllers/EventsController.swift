import Vapor

/// `GET /api/v1/events`: server-sent events with live status and viewer counts for pages.
enum EventsController {
    @Sendable static func stream(request: Request) -> Response {
        request.streamEvents(from: request.application.live.broadcaster)
    }
}
