import Fluent
import FluentSQL
import Foundation
import Testing
import VaporTesting
@testable import MetropoleWeb

/// Behaviour that must not depend on the backend; scripts/test runs these on SQLite, MariaDB and
/// PostgreSQL (METROPOLE_TEST_DATABASE_URL).
struct DatabaseBackendTests {
    private struct Listed: Decodable { var username: String; var title: String }

    private func search(_ app: Application, _ term: String) async throws -> [String] {
        var names: [String] = []
        let query = term.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? term
        try await app.testing().test(.GET, "api/v1/streams?q=\(query)") { response in
            #expect(response.status == .ok)
            names = try response.content.decode([Listed].self).map(\.username).sorted()
        }
        return names
    }

    @Test func searchIgnoresCaseInTitlesAndNamesAndTakesWildcardsLiterally() async throws {
        try await withTestApp { app in
            try await app.signUp("Night_Owl")
            try await app.signUp("early_bird")
            let owner = try #require(try await User.query(on: app.db).filter(\.$usernameKey == "night_owl").first())
            let stream = try #require(try await Stream.query(on: app.db).filter(\.$user.$id == owner.requireID()).first())
            stream.title = "Late-Night PARTY 100% 🎉"
            try await stream.save(on: app.db)
            #expect(try await search(app, "party") == ["Night_Owl"])
            #expect(try await search(app, "PaRtY") == ["Night_Owl"])
            #expect(try await search(app, "NIGHT_OWL") == ["Night_Owl"])
            #expect(try await search(app, "EARLY") == ["early_bird"])
            #expect(try await search(app, "100%") == ["Night_Owl"])
            // "%" and "_" are not wildcards: "_" alone matches only names that contain one.
            #expect(try await search(app, "%") == ["Night_Owl"])
            #expect(try await search(app, "y_b") == ["early_bird"])
            #expect(try await search(app, "🎉") == ["Night_Owl"])
        }
    }

    @Test func usernamesAreUniqueIgnoringCase() async throws {
        try await withTestApp { app in
            try await app.signUp("Case_Taken")
            try await app.testing().test(.POST, "api/v1/users", headers: jsonHeaders,
                                         body: json(["username": "CASE_TAKEN", "password": "correct horse"])) { response in
                #expect(response.status == .conflict)
                #expect(response.errorCode == "username_taken")
            }
        }
    }

    @Test func theUniqueIndexIsAConstraintFailureOnEveryBackend() async throws {
        try await withTestApp { app in
            try await app.signUp("racer")
            // Bypasses the look-up Accounts.register does first, as a racing sign-up would.
            let duplicate = User(username: "RACER", passwordHash: "x")
            do {
                try await duplicate.create(on: app.db)
                Issue.record("a second username_key was accepted")
            } catch let error as any DatabaseError {
                #expect(error.isConstraintFailure, "\(error)")
            }
        }
    }

    @Test func likePatternEscapesWildcards() {
        #expect(CaseInsensitiveContains.pattern(for: "A_b%c!") == "%a!_b!%c!!%")
    }

    /// `db copy` names its tables explicitly; a migration that adds a table must add it there.
    @Test func databaseCopyCoversEveryTable() async throws {
        try await withTestApp { app in
            guard let sql = app.db as? any SQLDatabase, sql.dialect.name == "sqlite" else { return }
            let rows = try await sql.raw("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name != '_fluent_migrations'").all()
            let tables = Set(try rows.map { try $0.decode(column: "name", as: String.self) })
            #expect(tables == Set(DatabaseCopy.tables.map(\.schema)).union(DatabaseCopy.transientTables))
        }
    }
}
