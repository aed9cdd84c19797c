import Vapor

/// Turns every error into the contract's JSON shape under `/api`, and into a designed HTML page
/// elsewhere. Internal details are logged, never shown.
struct AppErrorMiddleware: Middleware {
    // Future-based, as every middleware on the page path: an `AsyncMiddleware` costs a task and
    // a promise per request even when nothing goes wrong. Only a failure pays for a task here.
    func respond(to request: Request, chainingTo next: any Responder) -> EventLoopFuture<Response> {
        next.respond(to: request).flatMapError { error in
            request.eventLoop.makeFutureWithTask { try await Self.response(for: error, to: request) }
        }
    }

    static func response(for error: any Error, to request: Request) async throws -> Response {
        let (status, code, message, headers) = describe(error)
        if status.code >= 500 {
            request.logger.report(error: error)
        }
        if wantsJSON(request) {
            let response = Response(status: status, headers: headers)
            try response.content.encode(ErrorBody(error: .init(code: code, message: message)))
            return response
        }
        let page = ErrorPageView.render(status: Int(status.code), message: message, context: await context(for: request, status: status))
        let response = try await page.encodeResponse(for: request)
        response.status = status
        response.headers.add(contentsOf: headers)
        return response
    }

    /// The sidebar when it can be had; an error page must render even if the database failed.
    static func context(for request: Request, status: HTTPResponseStatus) async -> PageContext {
        guard status.code < 500, let context = try? await PageContext.load(request) else { return .bare(request) }
        return context
    }

    static func wantsJSON(_ request: Request) -> Bool {
        request.url.path.hasPrefix("/api/") || request.url.path.hasPrefix("/live/")
            || (request.headers.first(name: .accept)?.contains("application/json") ?? false)
    }

    static func describe(_ error: any Error) -> (HTTPResponseStatus, String, String, HTTPHeaders) {
        switch error {
        case let error as APIError:
            return (error.status, error.code, error.message, error.headers)
        case let error as DecodingError:
            return describe(decoding: error)
        case let error as any AbortError:
            let code = error.status.reasonPhrase.lowercased().replacingOccurrences(of: " ", with: "_")
            let message = error.status.code >= 500 ? "Internal error." : error.reason
            return (error.status, code, message, error.headers)
        default:
            return (.internalServerError, "internal_error", "Internal error.", [:])
        }
    }

    /// Malformed JSON is the client's syntax error (400); well-formed JSON with a missing or
    /// mistyped field is a validation error (422).
    private static func describe(decoding error: DecodingError) -> (HTTPResponseStatus, String, String, HTTPHeaders) {
        func path(_ context: DecodingError.Context) -> String {
            context.codingPath.map(\.stringValue).joined(separator: ".")
        }
        switch error {
        case .dataCorrupted(let context) where context.codingPath.isEmpty:
            return (.badRequest, "malformed_json", "The request body is not valid JSON.", [:])
        case .keyNotFound(let key, let context):
            let field = (context.codingPath + [key]).map(\.stringValue).joined(separator: ".")
            return (.unprocessableEntity, "missing_field", "\(field) is required.", [:])
        case .typeMismatch(_, let context), .valueNotFound(_, let context), .dataCorrupted(let context):
            return (.unprocessableEntity, "invalid_field", "\(path(context)) has the wrong type.", [:])
        @unknown default:
            return (.badRequest, "bad_request", "The request body could not be read.", [:])
        }
    }
}

/// Echoes the request id Vapor puts in every log line, so a user's report can be matched.
struct RequestIDMiddleware: Middleware {
    static let header = HTTPHeaders.Name("X-Request-ID")

    func respond(to request: Request, chainingTo next: any Responder) -> EventLoopFuture<Response> {
        next.respond(to: request).map { response in
            response.headers.replaceOrAdd(name: Self.header, value: request.id)
            return response
        }
    }
}
