import Vapor

/// `POST /sessions` (sign in, returns a Bearer token), `DELETE /sessions/current` (sign out).
enum SessionsAPIController {
    @Sendable static func create(request: Request) async throws -> Response {
        let credentials = try request.content.decode(Accounts.Credentials.self)
        let user = try await Accounts.authenticate(credentials, on: request)
        let token = try await Sessions.open(for: user, kind: .api, on: request.db)
        let response = Response(status: .created)
        try response.content.encode(SessionDTO(token: token, user: UserDTO(user)))
        return response
    }

    @Sendable static func deleteCurrent(request: Request) async throws -> Response {
        guard let authenticated = request.authenticated else { throw APIError.unauthorized }
        try await Sessions.close(tokenID: authenticated.tokenID, on: request.db)
        let response = Response(status: .noContent)
        if authenticated.method == .cookie {
            response.cookies[Sessions.cookieName] = Sessions.expiredCookie(secure: request.application.metropole.cookiesAreSecure)
        }
        return response
    }
}
