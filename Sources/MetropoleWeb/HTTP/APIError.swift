import Vapor

/// An error in the contract's shape: `{"error": {"code", "message"}}` with a fitting status.
struct APIError: AbortError, Sendable {
    var status: HTTPResponseStatus
    var code: String
    var message: String
    var headers: HTTPHeaders = [:]

    var reason: String { message }

    static func badRequest(_ message: String, code: String = "bad_request") -> APIError {
        APIError(status: .badRequest, code: code, message: message)
    }
    static func validation(_ message: String, code: String = "invalid") -> APIError {
        APIError(status: .unprocessableEntity, code: code, message: message)
    }
    static func notFound(_ message: String = "Not found.") -> APIError {
        APIError(status: .notFound, code: "not_found", message: message)
    }
    static func conflict(_ message: String, code: String) -> APIError {
        APIError(status: .conflict, code: code, message: message)
    }
    static let unauthorized = APIError(status: .unauthorized, code: "unauthorized", message: "Sign in first.")
    static func forbidden(_ message: String, code: String = "forbidden") -> APIError {
        APIError(status: .forbidden, code: code, message: message)
    }
    static func tooManyRequests(retryAfter seconds: Int) -> APIError {
        APIError(
            status: .tooManyRequests, code: "too_many_attempts",
            message: "Too many attempts. Try again in \(seconds) seconds.",
            headers: ["Retry-After": String(seconds)]
        )
    }
}

struct ErrorBody: Content {
    struct Detail: Content {
        var code: String
        var message: String
    }
    var error: Detail
}
