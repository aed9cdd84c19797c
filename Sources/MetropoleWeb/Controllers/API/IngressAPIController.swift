import Fluent
import Vapor

/// `POST/GET/DELETE /me/ingress`: the owner's RTMP server URL and secret stream key.
enum IngressAPIController {
    struct CreateRequest: Content {
        var `protocol`: String?
    }

    struct IngressDTO: Content {
        var `protocol`: String
        var serverUrl: String
        var streamKey: String
    }

    @Sendable static func create(request: Request) async throws -> Response {
        let body = try request.content.decode(CreateRequest.self)
        let dto = try await create(request: request, user: request.requireUser(), protocol: body.protocol ?? "rtmp")
        let response = Response(status: .created)
        try response.content.encode(dto)
        return response
    }

    /// Generates a new key, replacing and cutting off the old one.
    static func create(request: Request, user: User, protocol name: String) async throws -> IngressDTO {
        switch name {
        case "rtmp":
            break
        case "whip":
            throw APIError(status: .notImplemented, code: "not_implemented", message: "WHIP ingest is not available yet; use rtmp.")
        default:
            throw APIError.validation("protocol must be \"rtmp\" or \"whip\".", code: "invalid_protocol")
        }
        let stream = try await ownStream(of: user, on: request.db)
        let key = TokenSecret.generate()
        stream.ingressProtocol = "rtmp"
        stream.streamKey = key
        stream.streamKeyDigest = TokenSecret.digest(key)
        try await stream.save(on: request.db)
        // The old key is dead: whoever still publishes with it is cut off.
        await request.application.live.disconnectPublisher(streamID: try stream.requireID())
        return dto(stream, key: key, request: request)
    }

    @Sendable static func show(request: Request) async throws -> IngressDTO {
        let stream = try await ownStream(of: request.requireUser(), on: request.db)
        guard let key = stream.streamKey else { throw APIError.notFound("No ingress yet: create one with POST /me/ingress.") }
        return dto(stream, key: key, request: request)
    }

    @Sendable static func delete(request: Request) async throws -> HTTPStatus {
        try await delete(request: request, user: request.requireUser())
        return .noContent
    }

    static func delete(request: Request, user: User) async throws {
        let stream = try await ownStream(of: user, on: request.db)
        stream.ingressProtocol = nil
        stream.streamKey = nil
        stream.streamKeyDigest = nil
        try await stream.save(on: request.db)
        await request.application.live.disconnectPublisher(streamID: try stream.requireID())
    }

    static func ownStream(of user: User, on database: any Database) async throws -> Stream {
        guard let stream = try await Stream.query(on: database).filter(\.$user.$id == user.requireID()).first() else {
            throw APIError.notFound("You have no stream.")
        }
        return stream
    }

    static func dto(_ stream: Stream, key: String, request: Request) -> IngressDTO {
        IngressDTO(protocol: stream.ingressProtocol ?? "rtmp", serverUrl: rtmpServerURL(request.application), streamKey: key)
    }

    /// `rtmp://<public host>:<rtmp port>/live`: what OBS calls "Server".
    static func rtmpServerURL(_ app: Application) -> String {
        let host = app.metropole.publicURL.host ?? app.metropole.rtmpHost
        let bracketed = host.contains(":") && !host.hasPrefix("[") ? "[\(host)]" : host
        let port = app.live.rtmpPort.withLockedValue { $0 } ?? app.metropole.rtmpPort ?? 1935
        return "rtmp://\(bracketed):\(port)/live"
    }
}
