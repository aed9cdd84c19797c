import Fluent
import Plot
import Vapor

/// The left sidebar: channels the viewer follows (live first) and recommended ones.
struct SidebarModel: Sendable {
    struct Item: Sendable {
        var username: String
        var title: String
        var isLive: Bool
        var viewerCount: Int
        var avatarURL: String?
    }

    var following: [Item] = []
    var recommended: [Item] = []

    static func load(for request: Request) async throws -> SidebarModel {
        let viewer = request.currentUser
        let viewers = request.application.live.directory.viewers
        func item(_ row: ChannelRow) -> Item {
            Item(username: row.username, title: row.title, isLive: row.isLive,
                 viewerCount: row.isLive ? viewers.count(username: row.username) : 0,
                 avatarURL: row.avatar.map { SiteURL.avatar($0).path })
        }
        var following: [ChannelRow] = []
        var excluded: [UUID] = []
        if let viewer, let viewerID = viewer.id {
            let followedIDs = try await SocialGraph.followedIDs(of: viewerID, on: request.db)
            following = try await request.application.listings.channels(
                for: viewerID, filter: .init(only: followedIDs, limit: 20), on: request.db)
            excluded = followedIDs + [viewerID]
        }
        let recommended = try await request.application.listings.channels(
            for: viewer?.id, filter: .init(excluding: excluded, limit: 8), on: request.db)
        return SidebarModel(following: following.map(item), recommended: recommended.map(item))
    }
}

enum SidebarView {
    static func render(_ model: SidebarModel, context: PageContext) -> Node<HTML.BodyContext> {
        .group(
            .form(
                .class("sidebar-toggle-form"), .attr("action", "/layout"), .method(.post),
                CSRFField.node(context.csrfToken),
                .input(.attr("type", "hidden"), .attr("name", "toggle"), .attr("value", LayoutPreferences.Toggle.sidebarCollapsed.rawValue)),
                .button(.type(.submit), .class("btn btn-ghost icon-btn sidebar-toggle"), .attr("data-layout-toggle", "collapsed"),
                        .attr("aria-label", "Collapse or expand the sidebar"),
                        .attr("aria-pressed", context.layout.contains(.sidebarCollapsed) ? "true" : "false"),
                        .raw(Icons.sidebar))
            ),
            .if(context.username != nil, section(title: "Following", items: model.following,
                                                  empty: "Follow channels to see them here.")),
            section(title: context.username == nil ? "Channels" : "Recommended", items: model.recommended, empty: "No channels yet.")
        )
    }

    private static func section(title: String, items: [SidebarModel.Item], empty: String) -> Node<HTML.BodyContext> {
        .nav(
            .class("sidebar-section"), .attr("aria-label", title),
            .h2(.class("sidebar-heading"), .text(title)),
            items.isEmpty
                ? .p(.class("sidebar-empty muted"), .text(empty))
                : .ul(.class("sidebar-list"), .forEach(items) { item in .li(link(item)) })
        )
    }

    private static func link(_ item: SidebarModel.Item) -> Node<HTML.BodyContext> {
        .a(
            .class("sidebar-item"), .attr("href", SiteURL.channel(item.username).path), .attr("title", item.username),
            .attr("data-channel", item.username), .attr("data-live", item.isLive ? "true" : "false"),
            .span(.class("sidebar-avatar"), Avatar.node(username: item.username, size: 30, imageURL: item.avatarURL),
                  .span(.class("live-dot"), .attr("data-live-badge", ""), .if(!item.isLive, .hidden(true)), .attr("aria-hidden", "true"))),
            .span(
                .class("sidebar-text"),
                .span(.class("sidebar-name"), .safe(item.username)),
                .span(.class("sidebar-title muted"), .safe(item.isLive ? item.title : "Offline"))
            ),
            .span(.class("sidebar-viewers tabular"), .attr("data-viewer-count", ""), .if(!item.isLive, .hidden(true)),
                  .text("\(item.viewerCount)"))
        )
    }
}
