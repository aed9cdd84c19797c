import Foundation
import MetropoleWebRTC
import Vapor

/// WHIP (RFC 9725): `POST /api/v1/whip` with an SDP offer and the stream key as the Bearer
/// token answers 201 with the SDP answer and the session's URL; `DELETE` on that URL ends the
/// stream; `PATCH` takes trickled candidates (ICE-lite needs none) and refuses an ICE restart;
/// `OPTIONS` answers CORS preflights. Media then flows to the UDP port `WebRTCIngestServer`
/// listens on, into the same `LiveHub`s as RTMP.
enum WHIPController {
    static let sdp = HTTPMediaType(type: "application", subType: "sdp")
    static let trickle = HTTPMediaType(type: "application", subType: "trickle-ice-sdpfrag")

    @Sendable static func publish(request: Request) async throws -> Response {
        let live = request.application.live
        guard let server = live.webRTC else {
            // A web node takes no publishers: WHIP clients follow a 307 (RFC 9725 allows no other) to the
            // ingest node with the most room.
            if !request.application.metropole.role.servesMedia, let ingest = request.application.nodes.roomiestIngest() {
                throw APIError(status: .temporaryRedirect, code: "publish_elsewhere", message: "Publish to the ingest node.",
                               headers: ["Location": ingest.url.absoluteString + SiteURL.api(.whip).path])
            }
            throw APIError(status: .notFound, code: "whip_disabled", message: "WHIP ingest is turned off on this server.")
        }
        let address = request.remoteAddress?.ipAddress ?? "?"
        if let wait = live.whipAttempts.retryAfter([(key: address, limit: LiveServices.whipAttemptsPerMinute)]) {
            throw APIError(status: .tooManyRequests, code: "too_many_attempts", message: "Too many publish attempts; wait a moment.",
                           headers: ["Retry-After": String(wait)])
        }
        live.whipAttempts.record([address])
        guard request.headers.contentType == sdp else {
            throw APIError(status: .unsupportedMediaType, code: "not_sdp", message: "Send the offer as application/sdp.")
        }
        guard let key = request.headers.bearerAuthorization?.token else {
            throw APIError(status: .unauthorized, code: "no_stream_key", message: "Send the stream key as the Bearer token.",
                           headers: ["WWW-Authenticate": "Bearer"])
        }
        let offer = request.body.string ?? ""
        let session: WHIPSessionDescription
        do {
            session = try await server.publish(offer: offer, streamKey: key, remoteAddress: request.remoteAddress?.description)
        } catch {
            throw apiError(error)
        }
        var headers = HTTPHeaders()
        headers.contentType = sdp
        headers.replaceOrAdd(name: .location, value: SiteURL.api(.whipSession(session.sessionID)).path)
        return Response(status: .created, headers: headers, body: .init(string: session.answer))
    }

    @Sendable static func end(request: Request) async throws -> Response {
        guard let server = request.application.live.webRTC, let id = request.parameters.get("session"),
              await server.end(sessionID: id) else { throw APIError.notFound("No such WHIP session.") }
        return Response(status: .ok)
    }

    /// Trickled candidates are accepted and not needed: as an ICE-lite server we only answer
    /// the publisher's checks. An ICE restart (`If-Match: *`) is not supported.
    @Sendable static func patch(request: Request) async throws -> Response {
        guard let server = request.application.live.webRTC, let id = request.parameters.get("session"),
              await server.hasSession(id) else { throw APIError.notFound("No such WHIP session.") }
        guard request.headers.contentType == trickle else {
            throw APIError(status: .unsupportedMediaType, code: "not_sdpfrag", message: "Send application/trickle-ice-sdpfrag.")
        }
        if request.headers.first(name: .ifMatch) == "*" {
            throw APIError(status: .unprocessableEntity, code: "ice_restart_unsupported",
                           message: "ICE restart is not supported; DELETE this session and publish again.")
        }
        return Response(status: .noContent)
    }

    @Sendable static func options(request: Request) -> Response {
        var headers = HTTPHeaders()
        headers.replaceOrAdd(name: "Accept-Post", value: sdp.serialize())
        headers.replaceOrAdd(name: "Accept-Patch", value: trickle.serialize())
        headers.replaceOrAdd(name: .accessControlAllowMethods, value: "POST, DELETE, PATCH, OPTIONS")
        headers.replaceOrAdd(name: .accessControlAllowHeaders, value: "Authorization, Content-Type, If-Match")
        headers.replaceOrAdd(name: .accessControlMaxAge, value: "86400")
        return Response(status: .noContent, headers: headers)
    }

    static func apiError(_ error: WHIPError) -> APIError {
        switch error {
        case .malformed: APIError(status: .badRequest, code: "malformed_offer", message: error.description)
        case .unsupported: APIError(status: .unprocessableEntity, code: "unsupported_offer", message: error.description)
        case .unauthorized:
            APIError(status: .unauthorized, code: "bad_stream_key", message: error.description, headers: ["WWW-Authenticate": "Bearer"])
        case .atCapacity:
            APIError(status: .serviceUnavailable, code: "at_capacity", message: error.description, headers: ["Retry-After": "10"])
        case .unavailable:
            APIError(status: .serviceUnavailable, code: "whip_unavailable", message: error.description, headers: ["Retry-After": "5"])
        }
    }
}

/// Every WHIP answer, errors included, may be read by a page of another origin (browsers
/// publish from anywhere; the stream key, not a cookie, is the credential).
struct WHIPCORSMiddleware: Middleware {
    func respond(to request: Request, chainingTo next: any Responder) -> EventLoopFuture<Response> {
        next.respond(to: request)
            .flatMapError { error in request.eventLoop.makeFutureWithTask { try await AppErrorMiddleware.response(for: error, to: request) } }
            .map { response in
                response.headers.replaceOrAdd(name: .accessControlAllowOrigin, value: "*")
                response.headers.replaceOrAdd(name: "Access-Control-Expose-Headers", value: "Location, Accept-Post, Accept-Patch, Link")
                return response
            }
    }
}
