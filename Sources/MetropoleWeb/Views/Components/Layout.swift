import Foundation
import Plot

/// The base layout: top bar, left sidebar slot, main area, right column slot.
struct Layout {
    var title: String
    var context: PageContext
    var main: Node<HTML.BodyContext>
    var rightColumn: Node<HTML.BodyContext>? = nil
    var pageClass: String = ""

    func render() -> HTML {
        HTML(
            .lang(.english),
            .head(
                .meta(.charset(.utf8)),
                .meta(.attr("name", "viewport"), .attr("content", "width=device-width, initial-scale=1")),
                .meta(.attr("name", "color-scheme"), .attr("content", "dark")),
                .if(!context.csrfToken.isEmpty, .meta(.attr("name", "csrf-token"), .attr("content", context.csrfToken))),
                .element(named: "title", nodes: [.safe(title == "Metropole" ? title : "\(title) · Metropole")]),
                .link(.rel(.icon), .attr("href", context.assets.url("/img/favicon.svg")), .attr("type", "image/svg+xml")),
                .link(.rel(.stylesheet), .attr("href", context.assets.url("/css/app.css"))),
                // The URLs the scripts call (`Public/js/urls.js`), as the routes are built.
                .script(.attribute(named: "type", value: "application/json"), .id("site-urls"), .raw(Self.siteURLs)),
                .script(.attribute(named: "type", value: "module"), .attribute(named: "src", value: context.assets.url("/js/app.js")))
            ),
            .body(
                .class((["layout", pageClass] + context.layout.bodyClasses).filter { !$0.isEmpty }.joined(separator: " ")),
                .if(context.cardRefreshSeconds > 0, .attr("data-card-refresh-seconds", "\(context.cardRefreshSeconds)")),
                .a(.class("skip-link"), .href("#main"), .text("Skip to content")),
                topBar(),
                .div(
                    .class(rightColumn == nil ? "shell" : "shell has-right"),
                    .aside(.class("sidebar"), .id("sidebar"), .attr("aria-label", "Channels"), SidebarView.render(context.sidebar, context: context)),
                    .main(.id("main"), .class("main"), .attr("tabindex", "-1"), main),
                    .unwrap(rightColumn) { column in .aside(.class("right-column"), .id("right-column"), column) }
                )
            )
        )
    }

    private static let siteURLs: String = {
        let data = (try? JSONSerialization.data(withJSONObject: SiteURL.browserTable, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self)
    }()

    private func topBar() -> Node<HTML.BodyContext> {
        .header(
            .class("topbar"),
            .button(.type(.button), .class("btn btn-ghost icon-btn menu-toggle"), .attr("data-sidebar-open", ""),
                    .attr("aria-label", "Show channels"), .attr("aria-controls", "sidebar"), .attr("aria-expanded", "false"),
                    .raw(Icons.sidebar)),
            .a(.class("logo"), .href(SiteURL.home.path), .attr("aria-label", "Metropole home"), .raw(Icons.logo), .span(.text("Metropole"))),
            .form(
                .class("search"), .attr("role", "search"), .action(SiteURL.search(term: nil).path), .method(.get),
                .input(.type(.search), .name("term"), .attr("placeholder", "Search channels"), .attr("aria-label", "Search channels"),
                       .attr("value", context.searchTerm ?? ""), .attr("data-hotkey", "/"), .attr("autocomplete", "off"))
            ),
            .nav(.class("actions"), .attr("aria-label", "Account"),
                 .unwrap(context.username) { name in
                     .a(.class("btn btn-primary go-live"), .attr("href", SiteURL.dashboard(name, .keys).path), .text("Go live"))
                 },
                 accountActions())
        )
    }

    private func accountActions() -> Node<HTML.BodyContext> {
        guard let username = context.username else {
            return .group(
                .a(.class("btn btn-secondary"), .href(SiteURL.signIn.path), .text("Sign in")),
                .if(context.passwordSignUp, .a(.class("btn btn-primary"), .href(SiteURL.signUp.path), .text("Sign up")))
            )
        }
        return .element(named: "details", nodes: [
            .class("menu"),
            .element(named: "summary", nodes: [
                .class("menu-button"), .attr("aria-label", "Account menu"),
                Avatar.node(username: username, size: 30, imageURL: context.avatarURL), .span(.class("menu-name"), .safe(username)),
            ]),
            .div(
                .class("menu-panel"),
                .a(.class("menu-item"), .attr("href", SiteURL.channel(username).path), .text("My channel")),
                .a(.class("menu-item"), .attr("href", SiteURL.dashboard(username).path), .text("Dashboard")),
                .a(.class("menu-item"), .attr("href", SiteURL.settings.path), .text("Settings")),
                .if(context.isAdmin, .a(.class("menu-item"), .attr("href", SiteURL.admin(search: nil).path), .text("Admin"))),
                .form(
                    .action(SiteURL.signOut.path), .method(.post),
                    CSRFField.node(context.csrfToken),
                    .button(.type(.submit), .class("menu-item"), .text("Sign out"))
                )
            ),
        ])
    }
}

enum CSRFField {
    /// Nothing for an empty token: pages cached for guests carry none (their only forms, the
    /// layout toggles, need none).
    static func node<Context>(_ token: String) -> Node<Context> {
        guard !token.isEmpty else { return .empty }
        return .selfClosedElement(named: "input", attributes: [
            Attribute<Context>.attr("type", "hidden"),
            Attribute<Context>.attr("name", CSRFProtection.fieldName),
            Attribute<Context>.attr("value", token),
        ])
    }
}

/// A round avatar: the uploaded picture, or the initial on a color derived from the name.
enum Avatar {
    static func node<Context>(username: String, size: Int, imageURL: String? = nil) -> Node<Context> {
        if let imageURL {
            return .selfClosedElement(named: "img", attributes: [
                Attribute<Context>.attr("class", "avatar"), Attribute<Context>.attr("src", imageURL),
                Attribute<Context>.attr("alt", ""), Attribute<Context>.attr("width", String(size)),
                Attribute<Context>.attr("height", String(size)),
            ])
        }
        let initial = username.first.map { String($0).uppercased() } ?? "?"
        return .element(named: "span", nodes: [
            .attr("class", "avatar avatar-initial"),
            .attr("style", "--size:\(size)px;--hue:\(hue(for: username))"),
            .attr("aria-hidden", "true"),
            .safe(initial),
        ])
    }

    /// A stable hue per name (FNV-1a), so a user keeps one color everywhere.
    static func hue(for username: String) -> Int {
        var hash: UInt32 = 2_166_136_261
        for byte in username.lowercased().utf8 {
            hash = (hash ^ UInt32(byte)) &* 16_777_619
        }
        return Int(hash % 360)
    }
}
