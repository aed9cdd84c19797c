import MetropoleMedia
import Vapor

/// `POST/GET/DELETE /me/ingress`: the owner's server URL and secret stream key.
enum IngressAPIController {
    struct CreateRequest: Content {
        var `protocol`: String?
    }

    struct IngressDTO: Content {
        var `protocol`: String
        var serverUrl: String
        var streamKey: String

        init(_ credentials: Ingress.Credentials) {
            self.protocol = credentials.ingestProtocol.rawValue
            serverUrl = credentials.serverURL
            streamKey = credentials.streamKey
        }
    }

    @Sendable static func create(request: Request) async throws -> Response {
        let body = try request.content.decode(CreateRequest.self)
        guard let ingestProtocol = IngestProtocol(rawValue: body.protocol ?? "rtmp") else {
            throw APIError.validation("protocol must be \"rtmp\" or \"whip\".", code: "invalid_protocol")
        }
        let credentials = try await Ingress.regenerate(for: request.requireUser(), protocol: ingestProtocol, in: request.application)
        let response = Response(status: .created)
        try response.content.encode(IngressDTO(credentials))
        return response
    }

    @Sendable static func show(request: Request) async throws -> IngressDTO {
        let user = try request.requireUser()
        let stream = try await Channels.ownStream(of: user, on: request.db)
        guard let credentials = Ingress.current(of: stream, owner: user, in: request.application) else {
            throw APIError.notFound("No ingress yet: create one with POST /me/ingress.")
        }
        return IngressDTO(credentials)
    }

    @Sendable static func delete(request: Request) async throws -> HTTPStatus {
        try await Ingress.remove(for: request.requireUser(), in: request.application)
        return .noContent
    }
}
