import Vapor

extension Request {
    private struct CSRFTokenKey: StorageKey { typealias Value = String }

    /// The token pages embed in forms (`_csrf`) and in `<meta name="csrf-token">` for scripts.
    var csrfToken: String {
        get { storage[CSRFTokenKey.self] ?? "" }
        set { storage[CSRFTokenKey.self] = newValue }
    }
}

/// Double-submit CSRF protection. A random token lives in an HttpOnly SameSite=Lax cookie and
/// in the page; every state-changing request that a browser could send on its own (it carries
/// our cookies, or it is a form post) must echo it in `_csrf` or `X-CSRF-Token`. Requests
/// authenticated by `Authorization: Bearer` are exempt: no other site can make a browser add it.
struct CSRFProtection: AsyncMiddleware {
    static let cookieName = "metropole_csrf"
    static let headerName = "X-CSRF-Token"
    static let fieldName = "_csrf"
    let secureCookies: Bool

    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        let existing = request.cookies[Self.cookieName].map(\.string).flatMap { (32...64).contains($0.count) ? $0 : nil }
        request.csrfToken = existing ?? TokenSecret.generate()

        if Self.isUnsafe(request.method), request.headers.bearerAuthorization == nil, try await needsCheck(request) {
            let presented = try await presentedToken(in: request)
            guard let existing, let presented, TokenSecret.constantTimeEquals(existing, presented) else {
                throw APIError.forbidden("The form expired or came from another site. Reload the page and try again.", code: "csrf_failed")
            }
        }

        let response = try await next.respond(to: request)
        if existing == nil {
            response.cookies[Self.cookieName] = HTTPCookies.Value(
                string: request.csrfToken, maxAge: 365 * 24 * 3600, path: "/",
                isSecure: secureCookies, isHTTPOnly: true, sameSite: .lax
            )
        }
        return response
    }

    static func isUnsafe(_ method: HTTPMethod) -> Bool {
        ![.GET, .HEAD, .OPTIONS].contains(method)
    }

    private func needsCheck(_ request: Request) async throws -> Bool {
        if request.cookies[Sessions.cookieName] != nil { return true }
        guard let type = request.headers.contentType else { return false }
        return type == .urlEncodedForm || type.type == "multipart" || type == .plainText
    }

    private func presentedToken(in request: Request) async throws -> String? {
        if let header = request.headers.first(name: Self.headerName) { return header }
        guard let type = request.headers.contentType, type == .urlEncodedForm || type.type == "multipart" else { return nil }
        if request.body.data == nil {
            // Forms are small, except uploads (an image of at most 4 MiB plus the multipart framing).
            _ = try await request.body.collect(max: type.type == "multipart" ? 5 * 1024 * 1024 : 64 * 1024).get()
        }
        return try? request.content.get(String.self, at: Self.fieldName)
    }
}
