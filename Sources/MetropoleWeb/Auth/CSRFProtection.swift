import Vapor

extension Request {
    private struct CSRFTokenKey: StorageKey { typealias Value = String }

    /// The token pages embed in forms (`_csrf`) and in `<meta name="csrf-token">` for scripts:
    /// the visitor's cookie token, or a new one made on first use, which `CSRFProtection` then
    /// sets as the cookie. Responses that embed no token (the API, pages cached for guests) make
    /// none and set no cookie.
    var csrfToken: String {
        if let token = storage[CSRFTokenKey.self] { return token }
        let token = TokenSecret.generate()
        storage[CSRFTokenKey.self] = token
        return token
    }

    fileprivate var csrfTokenIfMade: String? {
        get { storage[CSRFTokenKey.self] }
        set { storage[CSRFTokenKey.self] = newValue }
    }
}

/// Double-submit CSRF protection. A random token lives in an HttpOnly SameSite=Lax cookie and
/// in the page; every state-changing request that a browser could send on its own (it carries
/// our cookies, or it is a form post) must echo it in `_csrf` or `X-CSRF-Token`. Requests
/// authenticated by `Authorization: Bearer` are exempt: no other site can make a browser add it.
struct CSRFProtection: Middleware {
    static let cookieName = "metropole_csrf"
    static let headerName = "X-CSRF-Token"
    static let fieldName = "_csrf"
    let secureCookies: Bool

    /// `POST /layout` only flips the display cookie (theatre mode, hidden chat or sidebar), so a
    /// forged one does no harm. Exempting it lets guest pages, rendered once and served alike
    /// to every guest, carry no token at all (decision 0013). The user-sync webhook is signed
    /// by its sender (Standard Webhooks) and never comes from a browser.
    static let exemptPaths: Set<String> = [SiteURL.layout.path, SiteURL.api(.userWebhooks).path]

    /// Media servers' hooks carry their provider's secret, never a browser's cookie.
    static func isExempt(_ path: String) -> Bool {
        exemptPaths.contains(path) || path.hasPrefix(SiteURL.api(.providers).path + "/")
    }

    func respond(to request: Request, chainingTo next: any Responder) -> EventLoopFuture<Response> {
        let existing = request.cookies[Self.cookieName].map(\.string).flatMap { (32...64).contains($0.count) ? $0 : nil }
        request.csrfTokenIfMade = existing

        let checked: EventLoopFuture<Void>
        if Self.isUnsafe(request.method), request.headers.bearerAuthorization == nil, !Self.isExempt(request.url.path) {
            checked = request.eventLoop.makeFutureWithTask { try await check(request, against: existing) }
        } else {
            // Reads (most requests) are answered without a task.
            checked = request.eventLoop.makeSucceededVoidFuture()
        }
        return checked.flatMap { next.respond(to: request) }.map { response in
            if existing == nil, let made = request.csrfTokenIfMade {
                response.cookies[Self.cookieName] = HTTPCookies.Value(
                    string: made, maxAge: 365 * 24 * 3600, path: "/",
                    isSecure: secureCookies, isHTTPOnly: true, sameSite: .lax
                )
            }
            return response
        }
    }

    private func check(_ request: Request, against existing: String?) async throws {
        guard try await needsCheck(request) else { return }
        let presented = try await presentedToken(in: request)
        guard let existing, let presented, TokenSecret.constantTimeEquals(existing, presented) else {
            throw APIError.forbidden("The form expired or came from another site. Reload the page and try again.", code: "csrf_failed")
        }
    }

    static func isUnsafe(_ method: HTTPMethod) -> Bool {
        ![.GET, .HEAD, .OPTIONS].contains(method)
    }

    private func needsCheck(_ request: Request) async throws -> Bool {
        if SessionCredential(request) != nil { return true }
        guard let type = request.headers.contentType else { return false }
        return type == .urlEncodedForm || type.type == "multipart" || type == .plainText
    }

    private func presentedToken(in request: Request) async throws -> String? {
        if let header = request.headers.first(name: Self.headerName) { return header }
        guard let type = request.headers.contentType, type == .urlEncodedForm || type.type == "multipart" else { return nil }
        if request.body.data == nil {
            // Forms are small, except uploads (an image of at most 4 MiB plus the multipart framing).
            _ = try await request.body.collect(max: type.type == "multipart" ? ImageUpload.maximumFormBytes : BodyLimits.standard).get()
        }
        return try? request.content.get(String.self, at: Self.fieldName)
    }
}
