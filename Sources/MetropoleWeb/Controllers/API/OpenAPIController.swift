import Vapor

/// `GET /api/v1/openapi.json`: `APIDescription`'s document with this server's public URL,
/// encoded per request (tens of kilobytes, asked for rarely).
enum OpenAPIController {
    @Sendable static func show(request: Request) throws -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let body = try encoder.encode(APIDescription.document(publicURL: request.application.metropole.publicURL.absoluteString))
        return Response(status: .ok, headers: ["Content-Type": "application/json; charset=utf-8"], body: .init(data: body))
    }
}
