import Fluent
import Foundation
import NIOConcurrencyHelpers
import Testing
import Vapor
import VaporTesting
@testable import MetropoleWeb

/// Browser flows: forms, cookies, CSRF, the layout and error pages.
@Suite struct PagesTests {
    /// Loads a page as a guest and returns the CSRF cookie and the token the page embeds.
    func csrf(_ app: Application, path: String = "signup") async throws -> (cookie: String, token: String) {
        var cookie = "", token = ""
        try await app.testing().test(.GET, path) { response in
            #expect(response.status == .ok)
            cookie = try #require(response.headers.setCookie?[CSRFProtection.cookieName]?.string)
            let html = response.body.string
            let marker = "name=\"csrf-token\" content=\""
            let start = try #require(html.range(of: marker)).upperBound
            token = String(html[start...].prefix { $0 != "\"" })
        }
        #expect(cookie == token && cookie.count >= 32)
        return (cookie, token)
    }

    func form(_ fields: [String: String]) -> ByteBuffer {
        ByteBuffer(string: fields.map { key, value in
            "\(key)=\(value.addingPercentEncoding(withAllowedCharacters: .urlQueryValueAllowed)!)"
        }.joined(separator: "&"))
    }

    @Test func homeRendersTheLayout() async throws {
        try await withTestApp { app in
            try await app.signUp("kate")
            try await app.testing().test(.GET, "/") { response in
                #expect(response.status == .ok)
                #expect(response.headers.contentType == .html)
                let html = response.body.string
                #expect(html.contains("class=\"topbar\""))
                #expect(html.contains("id=\"sidebar\""))
                #expect(html.contains("role=\"search\""))
                #expect(html.contains("href=\"/signin\""))
                #expect(html.contains("kate&#39;s stream"))
                #expect(html.contains("/css/app.css?v="))
            }
        }
    }

    @Test func signUpAndSignInThroughForms() async throws {
        try await withTestApp { app in
            let (cookie, token) = try await csrf(app)
            var session = ""
            try await app.testing().test(.POST, "signup", headers: [
                "Content-Type": "application/x-www-form-urlencoded", "Cookie": "\(CSRFProtection.cookieName)=\(cookie)",
            ], body: form(["username": "Liam", "password": "password123", "_csrf": token])) { response in
                #expect(response.status == .seeOther)
                #expect(response.headers.first(name: .location) == "/")
                let value = try #require(response.headers.setCookie?[Sessions.cookieName])
                #expect(value.isHTTPOnly && value.sameSite == .lax && value.isSecure)
                session = value.string
            }
            // The cookie signs the visitor in on every page.
            try await app.testing().test(.GET, "/", headers: ["Cookie": "\(Sessions.cookieName)=\(session)"]) { response in
                #expect(response.body.string.contains("Sign out"))
                #expect(response.body.string.contains("menu-name\">Liam<"))
            }
            try await app.testing().test(.GET, "api/v1/me", headers: ["Cookie": "\(Sessions.cookieName)=\(session)"]) { response in
                #expect(response.status == .ok)
            }
            // Sign in through the form with the other case.
            try await app.testing().test(.POST, "signin", headers: [
                "Content-Type": "application/x-www-form-urlencoded", "Cookie": "\(CSRFProtection.cookieName)=\(cookie)",
            ], body: form(["username": "liam", "password": "password123", "_csrf": token, "returnTo": "//evil.example"])) { response in
                #expect(response.status == .seeOther)
                #expect(response.headers.first(name: .location) == "/", "open redirects are refused")
                #expect(response.headers.setCookie?[Sessions.cookieName] != nil)
            }
        }
    }

    @Test func formErrorsShowNextToTheField() async throws {
        try await withTestApp { app in
            let (cookie, token) = try await csrf(app)
            try await app.testing().test(.POST, "signup", headers: [
                "Content-Type": "application/x-www-form-urlencoded", "Cookie": "\(CSRFProtection.cookieName)=\(cookie)",
            ], body: form(["username": "\"><script>alert(1)</script>", "password": "password123", "_csrf": token])) { response in
                #expect(response.status == .unprocessableEntity)
                let html = response.body.string
                #expect(html.contains("field-error"))
                #expect(!html.contains("<script>alert(1)"))
                #expect(html.contains("&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"))
            }
            try await app.testing().test(.POST, "signin", headers: [
                "Content-Type": "application/x-www-form-urlencoded", "Cookie": "\(CSRFProtection.cookieName)=\(cookie)",
            ], body: form(["username": "nobody", "password": "password123", "_csrf": token])) { response in
                #expect(response.status == .unauthorized)
                #expect(response.body.string.contains("Wrong username or password."))
            }
        }
    }

    @Test func formPostsWithoutCSRFTokenAreRefused() async throws {
        try await withTestApp { app in
            let (cookie, _) = try await csrf(app)
            try await app.testing().test(.POST, "signup", headers: [
                "Content-Type": "application/x-www-form-urlencoded", "Cookie": "\(CSRFProtection.cookieName)=\(cookie)",
            ], body: form(["username": "mona", "password": "password123", "_csrf": "forged-token-forged-token-forged-token"])) { response in
                #expect(response.status == .forbidden)
            }
            try await app.testing().test(.POST, "signup", headers: ["Content-Type": "application/x-www-form-urlencoded"],
                                         body: form(["username": "mona", "password": "password123"])) { response in
                #expect(response.status == .forbidden)
            }
            #expect(try await User.query(on: app.db).count() == 0)
        }
    }

    @Test func cookieAuthenticatedAPIWritesNeedTheCSRFHeader() async throws {
        try await withTestApp { app in
            let token = try await app.signUp("nina")
            // A browser session for the same user.
            let user = try #require(try await User.query(on: app.db).first())
            let session = try await Sessions.open(for: user, kind: .browser, on: app.db)
            let csrfToken = TokenSecret.generate()
            let cookies = "\(Sessions.cookieName)=\(session); \(CSRFProtection.cookieName)=\(csrfToken)"
            try await app.testing().test(.PATCH, "api/v1/me", headers: ["Content-Type": "application/json", "Cookie": cookies],
                                         body: json(["bio": "forged"])) { response in
                #expect(response.status == .forbidden)
                #expect(response.errorCode == "csrf_failed")
            }
            try await app.testing().test(.PATCH, "api/v1/me", headers: [
                "Content-Type": "application/json", "Cookie": cookies, "X-CSRF-Token": csrfToken,
            ], body: json(["bio": "mine"])) { response in
                #expect(response.status == .ok)
            }
            // Bearer requests carry no ambient authority and need no CSRF token.
            try await app.testing().test(.PATCH, "api/v1/me", headers: bearer(token), body: json(["bio": "api"])) { response in
                #expect(response.status == .ok)
            }
        }
    }

    @Test func signOutFormEndsTheSession() async throws {
        try await withTestApp { app in
            try await app.signUp("omar")
            let user = try #require(try await User.query(on: app.db).first())
            let session = try await Sessions.open(for: user, kind: .browser, on: app.db)
            let csrfToken = TokenSecret.generate()
            try await app.testing().test(.POST, "signout", headers: [
                "Content-Type": "application/x-www-form-urlencoded",
                "Cookie": "\(Sessions.cookieName)=\(session); \(CSRFProtection.cookieName)=\(csrfToken)",
            ], body: form(["_csrf": csrfToken])) { response in
                #expect(response.status == .seeOther)
            }
            try await app.testing().test(.GET, "api/v1/me", headers: ["Cookie": "\(Sessions.cookieName)=\(session)"]) { response in
                #expect(response.status == .unauthorized)
            }
        }
    }

    @Test func titlesAreEscapedInPages() async throws {
        try await withTestApp { app in
            try await app.signUp("pia")
            let stream = try #require(try await Stream.query(on: app.db).first())
            stream.title = "<img src=x onerror=alert(1)> \"quoted\" &amp;"
            try await stream.save(on: app.db)
            try await app.testing().test(.GET, "/") { response in
                let html = response.body.string
                #expect(!html.contains("<img src=x"))
                #expect(html.contains("&lt;img src=x onerror=alert(1)&gt; &quot;quoted&quot; &amp;amp;"))
            }
        }
    }

    @Test func unknownPageIsA404InTheDesign() async throws {
        try await withTestApp { app in
            try await app.testing().test(.GET, "no/such/page") { response in
                #expect(response.status == .notFound)
                #expect(response.headers.contentType == .html)
                #expect(response.body.string.contains("This page does not exist"))
                #expect(response.body.string.contains("class=\"topbar\""))
            }
            try await app.testing().test(.GET, "api/v1/nothing") { response in
                #expect(response.status == .notFound)
                #expect(response.errorCode == "not_found")
            }
        }
    }

    @Test func staticFilesCarryCacheHeaders() async throws {
        try await withTestApp { app in
            let versioned = app.assets.url("/css/app.css")
            #expect(versioned.contains("?v="))
            try await app.testing().test(.GET, versioned) { response in
                #expect(response.status == .ok)
                #expect(response.headers.first(name: .cacheControl) == "public, max-age=31536000, immutable")
                #expect(response.headers.first(name: .eTag) != nil)
            }
            try await app.testing().test(.GET, "/js/app.js") { response in
                #expect(response.status == .ok)
                #expect(response.headers.first(name: .cacheControl) == "public, max-age=300")
            }
        }
    }

    @Test func guestPagesCarryNoTokenAndSetNoCookieButFormPagesDo() async throws {
        try await withTestApp { app in
            // setup
            try await app.signUp("kate")
            // act, check: the shared pages guests see embed no token and make none
            for path in ["/", "/search?term=kate", "/kate"] {
                for _ in 0..<2 { // rendered, then served from the cache
                    try await app.testing().test(.GET, path) { response in
                        #expect(response.status == .ok, "\(path)")
                        #expect(!response.body.string.contains("csrf"), "\(path) embeds a CSRF token")
                        #expect(response.headers.setCookie?[CSRFProtection.cookieName] == nil, "\(path) set a CSRF cookie")
                    }
                }
            }
            try await app.testing().test(.GET, "api/v1/users/kate") { response in
                #expect(response.headers.setCookie?[CSRFProtection.cookieName] == nil)
            }
            _ = try await csrf(app, path: "signin") // the sign-in form still gets token and cookie
        }
    }

    @Test func layoutTogglesWorkWithoutATokenAndChangeOnlyTheLayoutCookie() async throws {
        try await withTestApp { app in
            try await app.testing().test(.POST, "layout", headers: ["Content-Type": "application/x-www-form-urlencoded"],
                                         body: form(["toggle": "theatre", "returnTo": "/kate"])) { response in
                #expect(response.status == .seeOther || response.status == .found, "\(response.status)")
                #expect(response.headers.first(name: .location) == "/kate")
                #expect(response.headers.setCookie?[LayoutPreferences.cookieName]?.string == "theatre")
                #expect(response.headers.setCookie?[Sessions.cookieName] == nil)
            }
        }
    }

    @Test func aColdGuestPageIsRenderedOnceForConcurrentGuests() async throws {
        try await withTestApp { app in
            // setup
            try await app.signUp("kate")
            let renderings = NIOLockedValueBox(0)
            // act: twenty guests at once on a page nobody has rendered
            let bodies = try await withThrowingTaskGroup(of: String.self) { group in
                for _ in 0..<20 {
                    group.addTask {
                        let request = Request(application: app, method: .GET, url: URI(string: "/"), on: app.eventLoopGroup.next())
                        let response = try await app.guestPages.respond(to: request) { context in
                            renderings.withLockedValue { $0 += 1 }
                            try await Task.sleep(for: .milliseconds(50))
                            return HomePageView.render(try await HomePageModel.load(for: request), context: context)
                        }
                        return response.body.string ?? ""
                    }
                }
                return try await group.reduce(into: [String]()) { $0.append($1) }
            }
            // check
            #expect(renderings.withLockedValue { $0 } == 1)
            #expect(Set(bodies).count == 1 && bodies[0].contains("kate&#39;s stream"))
        }
    }

    @Test func theEdgeFindsFreshGuestPagesByTheirVisitAndOnlyThose() async throws {
        try await withTestApp { app in
            // setup: a guest renders two searches and a channel page, a member signs in
            try await app.signUp("kate")
            let token = try await app.signUp("liam")
            func fresh(_ target: String, _ headers: HTTPHeaders = [:], method: HTTPMethod = .GET) -> String? {
                GuestVisit(method: method, target: target, headers: headers).flatMap(app.guestPages.freshPage(for:)).map { String(buffer: $0) }
            }
            func render(_ path: String) async throws -> String {
                var body = ""
                try await app.testing().test(.GET, path) { response in body = response.body.string }
                return body
            }
            // act, check: guests get each page's own rendering, asked at once after it, since a
            // page is fresh for `GuestPageCache.lifetime` only (a busy machine took longer than
            // that over all three)
            var rendered: [String: String] = [:]
            for path in ["/search?term=kate", "/search?term=liam", "/kate"] {
                rendered[path] = try await render(path)
                #expect(fresh(path) == rendered[path], "\(path)")
            }
            #expect(rendered["/search?term=kate"] != rendered["/search?term=liam"], "the query is part of the key")
            // members, sessions, another layout and other methods are not guest page views
            #expect(GuestVisit(method: .GET, target: "/kate", headers: ["Authorization": "Bearer \(token)"]) == nil)
            #expect(GuestVisit(method: .GET, target: "/kate", headers: ["Cookie": "\(Sessions.cookieName)=x"]) == nil)
            #expect(GuestVisit(method: .POST, target: "/kate", headers: [:]) == nil)
            #expect(fresh("/kate", ["Cookie": "\(LayoutPreferences.cookieName)=theatre"]) == nil)
            // Cookies are read as Vapor reads them: `,` separates too, tabs are trimmed, and an
            // empty session cookie is no session.
            #expect(GuestVisit(method: .GET, target: "/kate", headers: ["Cookie": "a=b,\t\(Sessions.cookieName)=x"]) == nil)
            let kate = try await render("/kate")
            #expect(fresh("/kate", ["Cookie": "\(Sessions.cookieName)="]) == kate)
            // once the listings move on, no path serves the old rendering
            app.listings.invalidate()
            #expect(fresh("/kate") == nil)
        }
    }

    @Test func onlyKnownAssetsReachTheFileSystem() async throws {
        try await withTestApp { app in
            #expect(app.assets.contains("/css/app.css") && !app.assets.contains("/kate"))
            try await app.testing().test(.GET, "/css/app%2Ecss") { response in
                #expect(response.status == .ok) // percent-encoded names still find the file
            }
            try await app.testing().test(.GET, "/css/../Package.swift") { response in
                #expect(response.status == .notFound)
            }
        }
    }
}
