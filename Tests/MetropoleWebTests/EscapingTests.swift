import Fluent
import Foundation
import Testing
import Vapor
import VaporTesting
@testable import MetropoleWeb

/// An XSS payload in any user-controlled field renders as text on every page.
@Suite struct EscapingTests {
    static let payload = "\"><img src=x onerror=alert(1)><script>alert(2)</script>"

    @Test func titlesAndBiosAreTextOnEveryPage() async throws {
        try await withTestApp { app in
            let owner = try await app.signUp("xss_host")
            let viewer = try await app.signUp("xss_viewer")
            try await app.testing().test(.PATCH, "api/v1/me/stream", headers: bearer(owner), body: json(["title": Self.payload])) {
                #expect($0.status == .ok)
            }
            try await app.testing().test(.PATCH, "api/v1/me", headers: bearer(owner), body: json(["bio": Self.payload])) {
                #expect($0.status == .ok)
            }
            try await app.testing().test(.PUT, "api/v1/me/following/xss_host", headers: bearer(viewer)) { #expect($0.status == .noContent) }
            try await app.setLive("xss_host")
            let pages: [(String, String)] = [
                ("/", viewer), ("/xss_host", viewer), ("/search?term=img", viewer), ("/u/xss_host", owner),
                ("/settings", owner), ("/partials/sidebar", viewer), ("/search?term=%22%3E%3Cscript%3E", viewer),
            ]
            for (path, token) in pages {
                try await app.testing().test(.GET, path, headers: bearer(token)) { response in
                    let html = response.body.string
                    #expect(response.status == .ok, "\(path)")
                    #expect(!html.contains("<img src=x"), "\(path) renders the payload as markup")
                    #expect(!html.contains("<script>alert"), "\(path) renders the payload as markup")
                }
            }
            try await app.testing().test(.GET, "/xss_host", headers: bearer(viewer)) { response in
                #expect(response.body.string.contains("&quot;&gt;&lt;img src=x onerror=alert(1)&gt;"))
            }
        }
    }
}
