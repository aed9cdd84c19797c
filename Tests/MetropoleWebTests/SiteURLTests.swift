import Testing
import Vapor
import VaporTesting
@testable import MetropoleWeb

@Suite struct SiteURLTests {
    /// Every link the pages and scripts use is a registered route, and every route was built
    /// from `SiteURL` (no path is spelled out twice).
    @Test func everyLinkIsARouteAndEveryRouteALink() async throws {
        try await withTestApp { app in
            let routes = Set(app.routes.all.map { route in
                "\(route.method) /" + route.path.map { component -> String in
                    if case .parameter = component { return ":" } else { return component.description }
                }.joined(separator: "/")
            })
            func pattern(_ url: SiteURL) -> String {
                "/" + url.routeComponents.map { $0.hasPrefix(":") ? ":" : $0 }.joined(separator: "/")
            }
            let links: [(HTTPMethod, SiteURL)] = [
                (.GET, .home), (.GET, .channel("kate")), (.GET, .dashboard("kate", .keys)), (.GET, .search(term: "x")),
                (.POST, .channelAction("kate", .follow)), (.POST, .dashboardAction("kate", .unblock("liam"))),
                (.GET, .api(.stream("kate"))), (.GET, .api(.chat("kate"))), (.PUT, .api(.following("kate"))),
                (.POST, .api(.kicks("kate"))), (.GET, .api(.events)), (.GET, .liveSocket("kate")), (.GET, .livePlaylist("kate")),
            ]
            for (method, url) in links {
                #expect(routes.contains("\(method) \(pattern(url))"), "\(method) \(url.path)")
            }
            // The table the browser reads names registered routes only.
            for (name, template) in SiteURL.browserTable {
                let path = "/" + template.split(separator: "/").map { $0.hasPrefix("{") ? ":" : String($0) }.joined(separator: "/")
                #expect(routes.contains { $0.hasSuffix(" " + path) }, "\(name): \(template)")
            }
            // Links are filled in; routes keep their parameters.
            #expect(SiteURL.dashboard("kate", .stream).path == "/u/kate")
            #expect(SiteURL.dashboard("kate", .chat).path == "/u/kate/chat")
            #expect(SiteURL.api(.chatters("kate")).path == "/api/v1/streams/kate/chatters")
            #expect(SiteURL.search(term: "a&b").path == "/search?term=a%26b")
            #expect(SiteURL.api(.following("kate")).routeComponents == ["api", "v1", "me", "following", ":username"])
        }
    }
}
