import Fluent
import Vapor

/// Sign-up and sign-in rules, shared by the JSON API and the HTML forms.
enum Accounts {
    struct Credentials: Content {
        var username: String
        var password: String
    }

    /// Creates the user and its stream together, or throws 422/409 in the contract's shape.
    static func register(_ credentials: Credentials, on request: Request) async throws -> User {
        guard request.application.metropole.identity.passwordSignUp else { throw signUpDisabled }
        let username = credentials.username.trimmingCharacters(in: .whitespaces)
        if let problem = Username.problem(with: username) { throw APIError.validation(problem, code: "invalid_username") }
        if let problem = Password.problem(with: credentials.password) { throw APIError.validation(problem, code: "invalid_password") }
        if try await User.query(on: request.db).filter(\.$usernameKey == Username.key(username)).first() != nil {
            throw usernameTaken
        }
        let hash = try await request.password.async.hash(credentials.password)
        let user = User(username: username, passwordHash: hash)
        do {
            try await request.db.transaction { database in
                try await user.create(on: database)
                try await Stream(userID: user.requireID(), title: Stream.defaultTitle(for: username)).create(on: database)
            }
        } catch let error as any DatabaseError where error.isConstraintFailure {
            // Two sign-ups raced for the same name; the unique index decided.
            throw usernameTaken
        }
        request.application.listings.invalidate()
        return user
    }

    /// Bcrypt (cost 12) of 64 random hex digits that were thrown away: no password matches it.
    static let unknownPasswordHash = "$2b$12$rnC5cQe3zcAbqfgBaWmDM./.hzk0wlo2xWLXkJdIJWemV3KKvOgMi"

    static let signUpDisabled = APIError.forbidden(
        "Sign-up with a password is turned off on this server; sign in with its identity provider.", code: "signup_disabled")
    static let usernameTaken = APIError.conflict("That username is taken.", code: "username_taken")
    static let wrongCredentials = APIError(status: .unauthorized, code: "invalid_credentials", message: "Wrong username or password.")

    /// Checks the password under the login throttle. The answer never tells whether the
    /// username exists: unknown names cost a hash too and get the same error.
    static func authenticate(_ credentials: Credentials, on request: Request) async throws -> User {
        let throttle = request.application.loginThrottle
        let address = request.remoteAddress?.ipAddress
        if let wait = throttle.retryAfter(username: credentials.username, address: address) {
            throw APIError.tooManyRequests(retryAfter: wait)
        }
        let user = try await User.query(on: request.db)
            .filter(\.$usernameKey == Username.key(credentials.username))
            .first()
        let hash = user?.passwordHash ?? request.application.dummyPasswordHash
        let matches = (try? await request.password.async.verify(credentials.password, created: hash)) ?? false
        guard let user, matches else {
            throttle.recordFailure(username: credentials.username, address: address)
            throw wrongCredentials
        }
        throttle.recordSuccess(username: credentials.username)
        // Told only to whoever knows the password.
        if user.isSuspended {
            throw APIError.forbidden("This account is suspended: \(user.suspensionReason ?? "no reason given").", code: "account_suspended")
        }
        return user
    }
}
