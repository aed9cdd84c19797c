import Fluent
import Foundation
import Testing
import VaporTesting
@testable import MetropoleWeb

@Suite struct AccountsAPITests {
    @Test func healthz() async throws {
        try await withTestApp { app in
            try await app.testing().test(.GET, "healthz") { response in
                #expect(response.status == .ok)
                #expect(response.headers.first(name: "X-Request-ID") != nil)
            }
        }
    }

    @Test func signUpCreatesUserAndStream() async throws {
        try await withTestApp { app in
            // act
            try await app.testing().test(.POST, "api/v1/users", headers: jsonHeaders,
                                         body: json(["username": "Alice_1", "password": "password123"])) { response in
                // check
                #expect(response.status == .created)
                let body = try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any]
                let user = body?["user"] as? [String: Any]
                #expect(user?["username"] as? String == "Alice_1")
                #expect(user?["bio"] as? String == "")
                #expect(user?["passwordHash"] == nil && user?["password_hash"] == nil)
            }
            let user = try #require(try await User.query(on: app.db).filter(\.$usernameKey == "alice_1").first())
            #expect(user.passwordHash.hasPrefix("$2"), "bcrypt hash stored")
            #expect(!user.passwordHash.contains("password123"))
            let stream = try #require(try await Stream.query(on: app.db).filter(\.$user.$id == user.requireID()).first())
            #expect(stream.title == "Alice_1's stream")
            #expect(stream.isLive == false && stream.chatEnabled && stream.slowModeSeconds == 0 && !stream.followersOnly)
        }
    }

    @Test func usernameIsUniqueRegardlessOfCase() async throws {
        try await withTestApp { app in
            try await app.signUp("Bob")
            try await app.testing().test(.POST, "api/v1/users", headers: jsonHeaders,
                                         body: json(["username": "bOB", "password": "password123"])) { response in
                #expect(response.status == .conflict)
                #expect(response.errorCode == "username_taken")
            }
        }
    }

    @Test(arguments: [
        ("ab", "password123", "invalid_username"),
        (String(repeating: "a", count: 25), "password123", "invalid_username"),
        ("bad name", "password123", "invalid_username"),
        ("<script>", "password123", "invalid_username"),
        ("émile", "password123", "invalid_username"),
        ("signin", "password123", "invalid_username"),
        ("carol", "short", "invalid_password"),
    ])
    func invalidSignUpIs422(username: String, password: String, code: String) async throws {
        try await withTestApp { app in
            try await app.testing().test(.POST, "api/v1/users", headers: jsonHeaders,
                                         body: json(["username": username, "password": password])) { response in
                #expect(response.status == .unprocessableEntity)
                #expect(response.errorCode == code)
            }
        }
    }

    @Test func malformedJSONIs400AndMissingFieldIs422() async throws {
        try await withTestApp { app in
            try await app.testing().test(.POST, "api/v1/users", headers: jsonHeaders,
                                         body: ByteBuffer(string: "{\"username\": ")) { response in
                #expect(response.status == .badRequest)
                #expect(response.errorCode == "malformed_json")
            }
            try await app.testing().test(.POST, "api/v1/users", headers: jsonHeaders,
                                         body: json(["username": "dave"])) { response in
                #expect(response.status == .unprocessableEntity)
                #expect((response.errorMessage ?? "").contains("password"))
            }
            try await app.testing().test(.POST, "api/v1/sessions", headers: jsonHeaders,
                                         body: json(["username": 5, "password": "x"])) { response in
                #expect(response.status == .unprocessableEntity)
            }
        }
    }

    @Test func signInGivesAWorkingToken() async throws {
        try await withTestApp { app in
            let token = try await app.signUp("erin")
            try await app.testing().test(.GET, "api/v1/me", headers: bearer(token)) { response in
                #expect(response.status == .ok)
                #expect(response.body.string.contains("\"username\":\"erin\""))
            }
            // Only a digest of the token is stored.
            let stored = try await AuthToken.query(on: app.db).all()
            #expect(stored.count == 1)
            #expect(stored[0].tokenHash == TokenSecret.digest(token))
            #expect(stored[0].tokenHash != token)
        }
    }

    @Test func wrongPasswordAndUnknownUserLookTheSame() async throws {
        try await withTestApp { app in
            try await app.signUp("frank")
            var messages: [String] = []
            for (username, password) in [("frank", "wrong password"), ("nobody_here", "wrong password")] {
                try await app.testing().test(.POST, "api/v1/sessions", headers: jsonHeaders,
                                             body: json(["username": username, "password": password])) { response in
                    #expect(response.status == .unauthorized)
                    messages.append(response.body.string)
                }
            }
            // Compared as JSON values: the encoder does not promise a key order.
            let bodies = messages.map { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? NSDictionary }
            #expect(bodies[0] != nil && bodies[0] == bodies[1])
        }
    }

    @Test func signInAttemptsAreThrottledPerUsername() async throws {
        try await withTestApp(loginLimits: .init(perUsername: 3, perAddress: 100, window: 60)) { app in
            try await app.signUp("gina")
            for _ in 0..<3 {
                try await app.testing().test(.POST, "api/v1/sessions", headers: jsonHeaders,
                                             body: json(["username": "gina", "password": "nope nope"])) { response in
                    #expect(response.status == .unauthorized)
                }
            }
            // Even the right password is refused while throttled.
            try await app.testing().test(.POST, "api/v1/sessions", headers: jsonHeaders,
                                         body: json(["username": "GINA", "password": "correct horse"])) { response in
                #expect(response.status == .tooManyRequests)
                let retry = try #require(response.headers.first(name: "Retry-After").flatMap(Int.init))
                #expect(retry > 0 && retry <= 60)
                #expect(response.errorCode == "too_many_attempts")
            }
        }
    }

    @Test func signInAttemptsAreThrottledPerAddress() async throws {
        try await withTestApp(loginLimits: .init(perUsername: 100, perAddress: 2, window: 60)) { app in
            for name in ["hal_1", "hal_2"] {
                try await app.overHTTP().test(
                    .POST, "api/v1/sessions", headers: jsonHeaders, body: json(["username": name, "password": "nope nope"])
                ) { response in
                    #expect(response.status == .unauthorized)
                }
            }
            try await app.overHTTP().test(
                .POST, "api/v1/sessions", headers: jsonHeaders, body: json(["username": "hal_3", "password": "nope nope"])
            ) { response in
                #expect(response.status == .tooManyRequests)
            }
        }
    }

    @Test func signOutRevokesTheToken() async throws {
        try await withTestApp { app in
            let token = try await app.signUp("ivan")
            try await app.testing().test(.DELETE, "api/v1/sessions/current", headers: bearer(token)) { response in
                #expect(response.status == .noContent)
            }
            try await app.testing().test(.GET, "api/v1/me", headers: bearer(token)) { response in
                #expect(response.status == .unauthorized)
                #expect(response.errorCode == "unauthorized")
            }
            try await app.testing().test(.DELETE, "api/v1/sessions/current", headers: bearer(token)) { response in
                #expect(response.status == .unauthorized)
            }
        }
    }

    @Test func meRequiresAuthentication() async throws {
        try await withTestApp { app in
            try await app.testing().test(.GET, "api/v1/me") { response in
                #expect(response.status == .unauthorized)
            }
            try await app.testing().test(.GET, "api/v1/me", headers: bearer("not-a-real-token")) { response in
                #expect(response.status == .unauthorized)
            }
            try await app.testing().test(.PATCH, "api/v1/me", headers: jsonHeaders, body: json(["bio": "hi"])) { response in
                #expect(response.status == .unauthorized)
            }
        }
    }

    @Test func patchMeUpdatesBio() async throws {
        try await withTestApp { app in
            let token = try await app.signUp("judy")
            try await app.testing().test(.PATCH, "api/v1/me", headers: bearer(token), body: json(["bio": "  I stream jazz 🎷 "])) { response in
                #expect(response.status == .ok)
                #expect(response.body.string.contains("I stream jazz 🎷\""))
            }
            try await app.testing().test(.PATCH, "api/v1/me", headers: bearer(token),
                                         body: json(["bio": String(repeating: "x", count: 501)])) { response in
                #expect(response.status == .unprocessableEntity)
            }
            try await app.testing().test(.GET, "api/v1/users/JUDY") { response in
                #expect(response.status == .ok)
                let body = try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any]
                #expect(body?["username"] as? String == "judy")
                #expect(body?["bio"] as? String == "I stream jazz 🎷")
                #expect(body?["followerCount"] as? Int == 0)
                #expect(body?["isLive"] as? Bool == false)
            }
        }
    }

    @Test func unknownUserIs404InContractShape() async throws {
        try await withTestApp { app in
            try await app.testing().test(.GET, "api/v1/users/nobody") { response in
                #expect(response.status == .notFound)
                #expect(response.errorCode == "not_found")
            }
        }
    }
}
