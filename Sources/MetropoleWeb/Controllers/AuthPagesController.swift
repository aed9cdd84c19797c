import Vapor

/// Sign up, sign in and sign out through plain HTML forms (no JavaScript needed).
enum AuthPagesController {
    struct Form: Content {
        var username: String?
        var password: String?
        var returnTo: String?
    }

    @Sendable static func signUpForm(request: Request) async throws -> Response {
        guard request.application.metropole.identity.passwordSignUp else {
            var model = AuthPageModel(mode: .signUp)
            model.errors["form"] = Accounts.signUpDisabled.message
            return try await page(model, status: Accounts.signUpDisabled.status, on: request)
        }
        return try await page(AuthPageModel(mode: .signUp), on: request)
    }

    @Sendable static func signInForm(request: Request) async throws -> Response {
        let returnTo = try? request.query.get(String.self, at: "returnTo")
        return try await page(AuthPageModel(mode: .signIn, returnTo: returnTo), on: request)
    }

    @Sendable static func signUp(request: Request) async throws -> Response {
        let form = try request.content.decode(Form.self)
        let credentials = Accounts.Credentials(username: form.username ?? "", password: form.password ?? "")
        do {
            let user = try await Accounts.register(credentials, on: request)
            return try await startSession(for: user, returnTo: SiteURL.home.path, on: request)
        } catch let error as APIError {
            var model = AuthPageModel(mode: .signUp, username: credentials.username)
            let field = error.code == Accounts.signUpDisabled.code ? "form" : error.code.contains("password") ? "password" : "username"
            model.errors[field] = error.message
            return try await page(model, status: error.status, on: request)
        }
    }

    @Sendable static func signIn(request: Request) async throws -> Response {
        let form = try request.content.decode(Form.self)
        let credentials = Accounts.Credentials(username: form.username ?? "", password: form.password ?? "")
        do {
            let user = try await Accounts.authenticate(credentials, on: request)
            return try await startSession(for: user, returnTo: SiteURL.safeReturnPath(form.returnTo), on: request)
        } catch let error as APIError {
            var model = AuthPageModel(mode: .signIn, username: credentials.username, returnTo: form.returnTo)
            model.errors["form"] = error.message
            let response = try await page(model, status: error.status, on: request)
            response.headers.add(contentsOf: error.headers)
            return response
        }
    }

    @Sendable static func signOut(request: Request) async throws -> Response {
        if let authenticated = request.authenticated {
            try await Sessions.close(tokenID: authenticated.tokenID, on: request.db)
        }
        let response = request.redirect(to: SiteURL.home.path, redirectType: .normal)
        response.cookies[Sessions.cookieName] = Sessions.expiredCookie(secure: request.application.metropole.cookiesAreSecure)
        return response
    }

    private static func startSession(for user: User, returnTo: String, on request: Request) async throws -> Response {
        let secret = try await Sessions.open(for: user, kind: .browser, on: request.db)
        let response = request.redirect(to: returnTo, redirectType: .normal)
        response.cookies[Sessions.cookieName] = Sessions.cookie(for: secret, secure: request.application.metropole.cookiesAreSecure)
        return response
    }

    static func page(_ model: AuthPageModel, status: HTTPResponseStatus = .ok, on request: Request) async throws -> Response {
        var model = model
        model.oidcName = request.application.oidc?.configuration.name
        model.passwordSignUp = request.application.metropole.identity.passwordSignUp
        let response = try await AuthPageView.render(model, context: PageContext.load(request)).encodeResponse(for: request)
        response.status = status
        return response
    }
}
