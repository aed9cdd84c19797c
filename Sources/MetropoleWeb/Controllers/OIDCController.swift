import Fluent
import Vapor

/// `GET /signin/oidc` sends the browser to the OpenID Connect provider; `GET
/// /signin/oidc/callback` comes back with a code, signs the person in (their account made on
/// first sign-in) and goes where they were headed.
enum OIDCController {
    @Sendable static func start(request: Request) async throws -> Response {
        guard let oidc = request.application.oidc else { throw APIError.notFound("OpenID Connect sign-in is not configured.") }
        let returnTo = SiteURL.safeReturnPath(try? request.query.get(String.self, at: "returnTo"))
        let (state, pending) = request.application.oidcLogins.begin(returnTo: returnTo)
        let url: String
        do {
            url = try await oidc.authorizationURL(state: state, nonce: pending.nonce, verifier: pending.verifier)
        } catch {
            request.logger.error("OpenID Connect: \(error)")
            return try await failure("\(oidc.configuration.name) cannot be reached right now. Try again later.", status: .badGateway, on: request)
        }
        let response = request.redirect(to: url, redirectType: .normal)
        response.cookies[OIDCLogins.cookieName] = cookie(state, maxAge: Int(OIDCLogins.lifetime), on: request)
        return response
    }

    @Sendable static func callback(request: Request) async throws -> Response {
        guard let oidc = request.application.oidc else { throw APIError.notFound("OpenID Connect sign-in is not configured.") }
        let name = oidc.configuration.name
        let query = try? request.query.decode(CallbackQuery.self)
        if let error = query?.error {
            request.logger.notice("OpenID Connect: the provider answered \(error): \(query?.error_description ?? "")")
            return try await failure("\(name) did not sign you in.", status: .unauthorized, on: request)
        }
        guard let state = query?.state, let code = query?.code,
              let pending = request.application.oidcLogins.finish(state: state, cookie: request.cookies[OIDCLogins.cookieName]?.string)
        else {
            return try await failure("That sign-in expired or was started in another browser. Try again.", status: .badRequest, on: request)
        }
        let token: OIDCClient.IDToken
        do {
            token = try await oidc.finish(code: code, verifier: pending.verifier, nonce: pending.nonce)
        } catch {
            request.logger.warning("OpenID Connect: \(error)")
            return try await failure("\(name) did not sign you in. Try again.", status: .unauthorized, on: request)
        }
        let user = try await user(for: token, issuer: oidc.configuration.issuer.absoluteString, in: request.application)
        let secret = try await Sessions.open(for: user, kind: .browser, on: request.db)
        let response = request.redirect(to: pending.returnTo, redirectType: .normal)
        let secure = request.application.metropole.cookiesAreSecure
        response.cookies[Sessions.cookieName] = Sessions.cookie(for: secret, secure: secure)
        response.cookies[OIDCLogins.cookieName] = cookie("", maxAge: 0, on: request)
        return response
    }

    struct CallbackQuery: Decodable {
        var code: String?
        var state: String?
        var error: String?
        var error_description: String?
    }

    /// The account of (issuer, subject), made on first sign-in under sign-up's username rules.
    static func user(for token: OIDCClient.IDToken, issuer: String, in app: Application) async throws -> User {
        if let identity = try await ExternalAccounts.identity(provider: issuer, subject: token.sub.value, on: app.db),
           let userID = identity.$user.id, let user = try await User.find(userID, on: app.db) {
            return user
        }
        return try await ExternalAccounts.create(provider: issuer, subject: token.sub.value, profile: token.profile,
                                                 changedAt: nil, in: app).1
    }

    private static func cookie(_ value: String, maxAge: Int, on request: Request) -> HTTPCookies.Value {
        // Lax: the provider's redirect back is a top-level navigation, which carries it.
        HTTPCookies.Value(string: value, maxAge: maxAge, path: SiteURL.oidcSignIn.path,
                          isSecure: request.application.metropole.cookiesAreSecure, isHTTPOnly: true, sameSite: .lax)
    }

    private static func failure(_ message: String, status: HTTPResponseStatus, on request: Request) async throws -> Response {
        var model = AuthPageModel(mode: .signIn)
        model.errors["form"] = message
        return try await AuthPagesController.page(model, status: status, on: request)
    }
}

extension Application {
    private struct OIDCLoginsKey: StorageKey { typealias Value = OIDCLogins }

    var oidcLogins: OIDCLogins {
        get { storage[OIDCLoginsKey.self]! }
        set { storage[OIDCLoginsKey.self] = newValue }
    }
}
