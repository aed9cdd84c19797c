import Foundation
import SQLKit
import VaporTesting
import Testing
@testable import MetropoleWeb

@Suite struct ConfigurationTests {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("metropole-config-\(UUID().uuidString)/nested")

    @Test func defaultsFollowTheContract() throws {
        let configuration = try AppConfiguration.load(from: ["METROPOLE_DATA_DIR": directory.path])
        #expect(configuration.httpHost == "127.0.0.1")
        #expect(configuration.httpPort == 8080)
        #expect(configuration.rtmpPort == 1935)
        #expect(configuration.rtmpHost == "127.0.0.1")
        #expect(configuration.publicURL.absoluteString == "http://127.0.0.1:8080")
        #expect(configuration.database == .sqlite(path: directory.appendingPathComponent("metropole.sqlite").path))
        var isDirectory: ObjCBool = false
        #expect(FileManager.default.fileExists(atPath: directory.path, isDirectory: &isDirectory) && isDirectory.boolValue)
    }

    @Test func liveThumbnailSecondsDefaultToAMinuteAndZeroTurnsThemOff() throws {
        #expect(try AppConfiguration.load(from: ["METROPOLE_DATA_DIR": directory.path]).liveThumbnailSeconds == 60)
        let off = try AppConfiguration.load(from: ["METROPOLE_DATA_DIR": directory.path, "METROPOLE_LIVE_THUMBNAIL_SECONDS": "0"])
        #expect(off.liveThumbnailSeconds == 0)
    }

    @Test func rolesNeedASharedDatabase() throws {
        let base = ["METROPOLE_DATA_DIR": directory.path]
        #expect(try AppConfiguration.load(from: base).role == .all)
        for role in ["web", "ingest"] {
            #expect(throws: AppConfiguration.Error.self) { try AppConfiguration.load(from: base.merging(["METROPOLE_ROLE": role]) { $1 }) }
        }
        let shared = base.merging(["DATABASE_URL": "postgres://u@127.0.0.1/db", "METROPOLE_ROLE": "Ingest",
                                   "METROPOLE_NODE_URL": "http://10.0.0.7:8081/", "METROPOLE_NODE_CAPACITY": "50"]) { $1 }
        let ingest = try AppConfiguration.load(from: shared)
        #expect(ingest.role == .ingest && !ingest.role.servesSite && ingest.role.servesMedia)
        #expect(ingest.nodeURL.absoluteString == "http://10.0.0.7:8081")
        #expect(ingest.nodeCapacity == 50)
        for (name, bad) in [("METROPOLE_ROLE", "edge"), ("METROPOLE_NODE_URL", "http://x/path"), ("METROPOLE_NODE_CAPACITY", "0")] {
            #expect(throws: AppConfiguration.Error.self) { try AppConfiguration.load(from: shared.merging([name: bad]) { $1 }) }
        }
        // Without its own URL a node is reached at the site's.
        #expect(try AppConfiguration.load(from: base).nodeURL.absoluteString == "http://127.0.0.1:8080")
    }

    @Test func rtmpPortZeroDisablesIngest() throws {
        let configuration = try AppConfiguration.load(from: ["METROPOLE_DATA_DIR": directory.path, "METROPOLE_RTMP_PORT": "0"])
        #expect(configuration.rtmpPort == nil)
    }

    @Test(arguments: [
        ("METROPOLE_HTTP_PORT", "eighty"),
        ("METROPOLE_HTTP_PORT", "0"),
        ("METROPOLE_HTTP_PORT", "70000"),
        ("METROPOLE_RTMP_PORT", "-1"),
        ("METROPOLE_HTTP_HOST", "bad host!"),
        ("METROPOLE_PUBLIC_URL", "ftp://example.com"),
        ("METROPOLE_PUBLIC_URL", "not a url"),
        ("DATABASE_URL", "oracle://db"),
        ("DATABASE_URL", "sqlite://"),
        ("METROPOLE_DATA_DIR", "/proc/metropole-cannot-exist"),
        ("METROPOLE_BCRYPT_COST", "3"),
        ("METROPOLE_LIVE_THUMBNAIL_SECONDS", "-1"),
        ("METROPOLE_LIVE_THUMBNAIL_SECONDS", "86401"),
        ("METROPOLE_LIVE_THUMBNAIL_SECONDS", "a minute"),
    ])
    func badValuesNameTheirVariable(variable: String, value: String) throws {
        var environment = ["METROPOLE_DATA_DIR": directory.path]
        environment[variable] = value
        #expect {
            _ = try AppConfiguration.load(from: environment)
        } throws: { error in
            (error as? AppConfiguration.Error)?.variable == variable
        }
    }

    @Test func databaseURLs() throws {
        #expect(try DatabaseLocation(parsing: "sqlite:///var/lib/m.sqlite") == .sqlite(path: "/var/lib/m.sqlite"))
        if case .mysql = try DatabaseLocation(parsing: "mysql://u:p@db:3306/metropole") {} else { Issue.record("mysql") }
        if case .postgres = try DatabaseLocation(parsing: "postgres://u@db/metropole") {} else { Issue.record("postgres") }
    }

    @Test func publicURLDecidesSecureCookies() throws {
        let local = try AppConfiguration.load(from: ["METROPOLE_DATA_DIR": directory.path])
        #expect(local.cookiesAreSecure)
        let https = try AppConfiguration.load(from: ["METROPOLE_DATA_DIR": directory.path, "METROPOLE_PUBLIC_URL": "https://tv.example.com"])
        #expect(https.cookiesAreSecure)
        let lan = try AppConfiguration.load(from: ["METROPOLE_DATA_DIR": directory.path, "METROPOLE_PUBLIC_URL": "http://192.168.1.5:8080"])
        #expect(!lan.cookiesAreSecure)
    }

    @Test func constantTimeComparison() {
        #expect(TokenSecret.constantTimeEquals("abc", "abc"))
        #expect(!TokenSecret.constantTimeEquals("abc", "abd"))
        #expect(!TokenSecret.constantTimeEquals("abc", "abcd"))
        #expect(TokenSecret.generate().count == 43)
    }

    @Test func tokensAreBase64URLAndDigestsSHA256Hex() {
        // The hand-written encoders agree with Foundation's base64 and with a plain hex rendering.
        var generator = SystemRandomNumberGenerator()
        for length in 0...40 {
            let bytes = (0..<length).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
            let expected = Data(bytes).base64EncodedString()
                .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
                .replacingOccurrences(of: "=", with: "")
            #expect(TokenSecret.base64URL(bytes) == expected, "\(length) bytes")
        }
        #expect(TokenSecret.base64URL(Array("Man".utf8)) == "TWFu")
        #expect(TokenSecret.generate() != TokenSecret.generate())
        #expect(TokenSecret.digest("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }
}

@Suite struct SQLiteSetupTests {
    @Test func defaultDatabaseUsesWALAndForeignKeys() async throws {
        guard ProcessInfo.processInfo.environment["METROPOLE_TEST_DATABASE_URL"] == nil else { return }
        try await withTestApp { app in
            try await app.testing().test(.GET, "healthz") { #expect($0.status == .ok) }
            let sql = try #require(app.db as? any SQLDatabase)
            let mode = try await sql.raw("PRAGMA journal_mode").first()?.decode(column: "journal_mode", as: String.self)
            #expect(mode == "wal")
            let keys = try await sql.raw("PRAGMA foreign_keys").first()?.decode(column: "foreign_keys", as: Int.self)
            #expect(keys == 1)
        }
    }
}
