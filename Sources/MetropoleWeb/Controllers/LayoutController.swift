import Vapor

/// `POST /layout`: flips one layout toggle for visitors without JavaScript (scripts flip the
/// cookie themselves) and returns to the page they were on.
enum LayoutController {
    struct Form: Content {
        var toggle: String
        var returnTo: String?
    }

    @Sendable static func toggle(request: Request) async throws -> Response {
        let form = try request.content.decode(Form.self)
        guard let toggle = LayoutPreferences.Toggle(rawValue: form.toggle) else {
            throw APIError.validation("Unknown layout toggle.", code: "invalid_toggle")
        }
        var preferences = LayoutPreferences(request: request)
        preferences.flip(toggle)
        let back = form.returnTo ?? request.headers.first(name: .referer).flatMap { URL(string: $0)?.path }
        let response = request.redirect(to: SiteURL.safeReturnPath(back), redirectType: .normal)
        response.cookies[LayoutPreferences.cookieName] = preferences.cookie()
        return response
    }
}
