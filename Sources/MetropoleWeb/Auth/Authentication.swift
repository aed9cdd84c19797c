import Fluent
import Vapor

/// How a request proved who it is. Cookie-authenticated writes must also pass CSRF.
enum AuthMethod: Sendable {
    case bearer
    case cookie
}

struct Authenticated: Sendable {
    var user: User
    var tokenID: UUID
    var method: AuthMethod
}

extension Request {
    private struct AuthenticatedKey: StorageKey { typealias Value = Authenticated }

    /// The signed-in user and how, or nil for a guest.
    var authenticated: Authenticated? {
        get { storage[AuthenticatedKey.self] }
        set { storage[AuthenticatedKey.self] = newValue }
    }

    var currentUser: User? { authenticated?.user }

    /// The signed-in user, or a 401.
    func requireUser() throws -> User {
        guard let user = authenticated?.user else { throw APIError.unauthorized }
        return user
    }
}

/// Sessions: browser cookie and Bearer token are two carriers of the same `AuthToken`.
enum Sessions {
    static let cookieName = "metropole_session"
    static let browserLifetime: TimeInterval = 30 * 24 * 3600
    static let apiLifetime: TimeInterval = 90 * 24 * 3600

    /// Creates a token for `user`; returns the secret, which is shown once and never stored.
    static func open(for user: User, kind: AuthToken.Kind, on database: any Database) async throws -> String {
        let secret = TokenSecret.generate()
        let lifetime = kind == .browser ? browserLifetime : apiLifetime
        let token = AuthToken(
            userID: try user.requireID(), tokenHash: TokenSecret.digest(secret), kind: kind,
            expiresAt: Date().addingTimeInterval(lifetime)
        )
        try await token.create(on: database)
        return secret
    }

    static func close(tokenID: UUID, on database: any Database) async throws {
        try await AuthToken.query(on: database).filter(\.$id == tokenID).delete()
    }

    static func cookie(for secret: String, secure: Bool) -> HTTPCookies.Value {
        HTTPCookies.Value(
            string: secret, maxAge: Int(browserLifetime), path: "/",
            isSecure: secure, isHTTPOnly: true, sameSite: .lax
        )
    }

    static func expiredCookie(secure: Bool) -> HTTPCookies.Value {
        HTTPCookies.Value(string: "", expires: Date(timeIntervalSince1970: 0), maxAge: 0, path: "/",
                          isSecure: secure, isHTTPOnly: true, sameSite: .lax)
    }
}

/// What a request presents to prove who it is: a Bearer token, else a non-empty session
/// cookie. A request that presents neither is a guest; this is the one place that says so.
struct SessionCredential: Sendable, Equatable {
    var secret: String
    var method: AuthMethod

    init?(headers: HTTPHeaders, cookies: HTTPCookies?) {
        if let bearer = headers.bearerAuthorization?.token {
            (secret, method) = (bearer, .bearer)
        } else if let cookie = cookies?[Sessions.cookieName]?.string, !cookie.isEmpty {
            (secret, method) = (cookie, .cookie)
        } else {
            return nil
        }
    }

    init?(_ request: Request) {
        self.init(headers: request.headers, cookies: request.cookies)
    }
}

/// Finds the caller from `Authorization: Bearer` or the session cookie. An unknown or expired
/// token leaves the request a guest; routes that need a user answer 401 themselves.
struct SessionAuthenticator: Middleware {
    func respond(to request: Request, chainingTo next: any Responder) -> EventLoopFuture<Response> {
        // A guest: no database, no task.
        guard let credential = SessionCredential(request) else { return next.respond(to: request) }
        return request.eventLoop.makeFutureWithTask { try await Self.resolve(secret: credential.secret, method: credential.method, on: request.db) }
            .flatMap { authenticated in
                request.authenticated = authenticated
                return next.respond(to: request)
            }
    }

    static func resolve(secret: String, method: AuthMethod, on database: any Database) async throws -> Authenticated? {
        guard secret.count <= 256,
              let token = try await AuthToken.query(on: database)
                .filter(\.$tokenHash == TokenSecret.digest(secret))
                .with(\.$user)
                .first(),
              token.expiresAt > Date(),
              // A suspension ends every session at once; the tokens stay, unusable.
              !token.user.isSuspended,
              let tokenID = token.id
        else { return nil }
        return Authenticated(user: token.user, tokenID: tokenID, method: method)
    }
}
