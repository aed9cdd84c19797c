import MetropoleMedia
import Vapor

extension APIDescription {
    /// The answers' shapes, named in `components.schemas`.
    static let schemas: [String: JSONSchema] = [
        "Error": .object(["error": .object(["code": .string, "message": .string], required: ["code", "message"])], required: ["error"]),
        "User": .object([
            "id": .uuid, "username": .string, "bio": .string, "avatarUrl": .string, "createdAt": .dateTime,
            "preferredProvider": .string, "role": .strings(UserRole.allCases.map(\.rawValue)), "displayName": .string,
        ], required: ["id", "username", "bio", "preferredProvider", "role"]),
        "UserEnvelope": .object(["user": .ref("User")], required: ["user"]),
        "Session": .object(["token": .string, "user": .ref("User")], required: ["token", "user"]),
        "PublicUser": .object(["username": .string, "bio": .string, "followerCount": .integer, "isLive": .boolean,
                               "displayName": .string, "avatarUrl": .string],
                              required: ["username", "bio", "followerCount", "isLive"]),
        "StreamSummary": .object(["username": .string, "title": .string, "isLive": .boolean, "viewerCount": .integer,
                                  "thumbnailUrl": .string], required: ["username", "title", "isLive", "viewerCount"]),
        "Stream": .object([
            "username": .string, "title": .string, "isLive": .boolean, "viewerCount": .integer, "thumbnailUrl": .string,
            "keepUploadedThumbnail": .boolean, "startedAt": .dateTime,
            "chat": .object(["enabled": .boolean, "slowModeSeconds": .integer, "followersOnly": .boolean],
                            required: ["enabled", "slowModeSeconds", "followersOnly"]),
            "playback": .object(["hls": .string, "ws": .string], required: ["hls"]),
        ], required: ["username", "title", "isLive", "viewerCount", "keepUploadedThumbnail", "chat", "playback"]),
        "StreamHealth": .object([
            "isLive": .boolean, "videoCodec": .string, "audioCodec": .string, "width": .integer, "height": .integer,
            "frameRate": JSONSchema(types: ["number"]), "bitrate": .integer, "keyframeInterval": JSONSchema(types: ["number"]),
            "uptimeSeconds": .integer, "viewerCount": .integer,
            "recording": .strings(["off", "idle", "recording", "paused"]), "recordingPausedReason": .string,
        ], required: ["isLive", "viewerCount"]),
        "Ingress": .object(["protocol": .strings(IngestProtocol.allCases.map(\.rawValue)), "serverUrl": .string, "streamKey": .string],
                           required: ["protocol", "serverUrl", "streamKey"]),
        "Provider": .object(["id": .string, "name": .string, "kind": .string, "protocols": .array(.string)],
                            required: ["id", "name", "kind", "protocols"]),
        "Chatters": .object([
            "count": .integer, "guests": .integer,
            "people": .array(.object(["username": .string, "color": .string, "isStreamer": .boolean],
                                     required: ["username", "color", "isStreamer"])),
        ], required: ["count", "guests", "people"]),
        "Video": .object([
            "id": .uuid, "title": .string, "startedAt": .dateTime, "durationSeconds": .number, "hasGaps": .boolean, "thumbnailUrl": .string,
            "playlistUrl": .string,
        ], required: ["id", "title", "startedAt", "durationSeconds", "hasGaps", "playlistUrl"]),
        "Webhook": .object([
            "id": .uuid, "url": .string, "events": .array(.string), "createdAt": .dateTime, "secret": .string,
            "deliveries": .array(.ref("WebhookDelivery")),
        ], required: ["id", "url", "events"]),
        "WebhookDelivery": .object([
            "id": .string, "type": .string, "status": .strings(WebhookDelivery.Status.allCases.map(\.rawValue)),
            "attempts": .integer, "lastStatusCode": .integer, "lastError": .string, "createdAt": .dateTime,
            "lastAttemptAt": .dateTime, "nextAttemptAt": .dateTime, "deliveredAt": .dateTime,
        ], required: ["id", "type", "status", "attempts", "createdAt"]),
        "AdminUser": .object([
            "id": .uuid, "username": .string, "role": .strings(UserRole.allCases.map(\.rawValue)), "createdAt": .dateTime,
            "suspendedAt": .dateTime, "suspensionReason": .string, "isLive": .boolean,
        ], required: ["id", "username", "role", "isLive"]),
        "AdminStream": .object([
            "username": .string, "title": .string, "protocol": .string, "provider": .string, "startedAt": .dateTime,
            "viewerCount": .integer, "bitrate": .integer,
        ], required: ["username", "title", "provider", "viewerCount"]),
        "Node": .object([
            "id": .uuid, "role": .strings(NodeRole.allCases.map(\.rawValue)), "url": .string, "rtmpUrl": .string,
            "capacity": .integer, "streams": .integer, "isThisNode": .boolean,
        ], required: ["id", "role", "url", "capacity", "streams", "isThisNode"]),
        "AuditEntry": .object([
            "id": .uuid, "admin": .string, "action": .strings(AdminAudit.Action.allCases.map(\.rawValue)), "target": .string,
            "reason": .string, "at": .dateTime,
        ], required: ["id", "admin", "action", "target", "at"]),
    ]

    static let securitySchemes: [String: OpenAPIDocument.SecurityScheme] = [
        "bearer": .init(type: "http", scheme: "bearer", description: "A session token from POST /api/v1/sessions."),
        "cookie": .init(type: "apiKey", in: "cookie", name: Sessions.cookieName,
                        description: "The browser's session; writes also need the CSRF token the pages carry."),
        "streamKey": .init(type: "http", scheme: "bearer", description: "The stream key from POST /api/v1/me/ingress (WHIP)."),
    ]

    /// The whole document, with `publicURL` as its one server.
    static func document(publicURL: String) -> OpenAPIDocument {
        var paths: [String: [String: OpenAPIDocument.Operation]] = [:]
        for route in routes {
            paths[route.pathTemplate, default: [:]][route.method.rawValue.lowercased()] = operation(route)
        }
        return OpenAPIDocument(
            info: .init(title: "Metropole", version: "1",
                        description: "The JSON API of a Metropole server. Errors are {\"error\": {\"code\", \"message\"}}."),
            servers: [.init(url: publicURL)],
            paths: paths,
            components: .init(schemas: schemas, securitySchemes: securitySchemes)
        )
    }

    private static func operation(_ route: APIRoute) -> OpenAPIDocument.Operation {
        var parameters = route.pathParameters.map {
            OpenAPIDocument.Parameter(name: $0, in: "path", required: true, schema: .string, description: nil)
        }
        parameters += route.query.keys.sorted().map {
            OpenAPIDocument.Parameter(name: $0, in: "query", required: false, schema: route.query[$0]!, description: nil)
        }
        let security: [[String: [String]]] = switch route.access {
        case .open, .provider: []
        case .user, .admin: [["bearer": []], ["cookie": []]]
        case .streamKey: [["streamKey": []]]
        }
        return OpenAPIDocument.Operation(
            operationId: route.operationID, summary: route.summary, tags: [route.tag],
            parameters: parameters.isEmpty ? nil : parameters,
            requestBody: route.body.map(requestBody),
            responses: Dictionary(uniqueKeysWithValues: route.allAnswers.map { (String($0.key), response($0.value)) }),
            security: security
        )
    }

    private static func requestBody(_ body: APIRoute.Body) -> OpenAPIDocument.RequestBody {
        switch body {
        case .json(let schema, let required):
            return .init(required: required, content: ["application/json": .init(schema: schema)])
        case .media(let types):
            // Images are bytes; SDP is text.
            let schema = types.allSatisfy { $0.hasPrefix("image/") } ? JSONSchema(types: ["string"], format: "binary") : .string
            return .init(required: true, content: Dictionary(uniqueKeysWithValues: types.map { ($0, .init(schema: schema)) }))
        case .any:
            return .init(required: false, content: ["application/json": .init(schema: .object([:])),
                                                    "application/x-www-form-urlencoded": .init(schema: .object([:]))])
        }
    }

    private static func response(_ answer: APIRoute.Answer) -> OpenAPIDocument.Response {
        switch answer {
        case .json(let description, let schema):
            return .init(description: description, content: ["application/json": .init(schema: schema)])
        case .empty(let description):
            return .init(description: description)
        case .error(let description):
            return .init(description: description, content: ["application/json": .init(schema: .ref("Error"))])
        case .text(let description, let mediaType, let headers):
            return .init(description: description, content: [mediaType: .init(schema: .string)],
                         headers: headers.isEmpty ? nil : Dictionary(uniqueKeysWithValues: headers.map { ($0, .init(schema: .string)) }))
        }
    }
}
