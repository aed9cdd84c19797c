import NIOCore
import Vapor

/// `GET /api/v1/events`: Server-Sent Events with live status and viewer counts for pages.
enum EventsController {
    @Sendable static func stream(request: Request) async throws -> Response {
        let (_, events) = request.application.live.broadcaster.listen()
        var headers = HTTPHeaders()
        headers.replaceOrAdd(name: .contentType, value: "text/event-stream")
        headers.replaceOrAdd(name: .cacheControl, value: "no-cache")
        headers.replaceOrAdd(name: "X-Accel-Buffering", value: "no")
        let response = Response(status: .ok, headers: headers)
        response.body = .init(managedAsyncStream: { writer in
            // The retry hint makes browsers reconnect quickly after a restart.
            try await writer.write(.buffer(ByteBuffer(string: "retry: 2000\n: connected\n\n")))
            for await frame in events {
                try await writer.write(.buffer(frame))
            }
        })
        return response
    }
}
