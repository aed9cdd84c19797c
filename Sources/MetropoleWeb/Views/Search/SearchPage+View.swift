import Plot
import Vapor

/// `/search?term=`: results as rows (thumbnail left, text right), live first.
enum SearchPageView {
    static func render(term: String, results: [HomePageModel.Card], context: PageContext) -> HTML {
        Layout(title: term.isEmpty ? "Search" : "Search: \(term)", context: context, main: .group(
            .h1(.class("page-title"), term.isEmpty ? .text("Search") : .safe("Results for “\(term)”")),
            term.isEmpty
                ? .p(.class("muted"), .text("Type a channel name or words from a stream title in the search box above."))
                : results.isEmpty
                    ? .div(
                        .class("empty-state"),
                        .p(.safe("No channel or stream title matches “\(term)”.")),
                        .p(.class("muted"), .text("Check the spelling, try fewer words, or browse the channels on the home page.")),
                        .a(.class("btn btn-secondary"), .href(SiteURL.home.path), .text("Browse channels"))
                    )
                    : .ul(.class("search-results"), .forEach(results) { card in .li(row(card)) })
        )).render()
    }

    private static func row(_ card: HomePageModel.Card) -> Node<HTML.BodyContext> {
        .element(named: "a", nodes: [
            .class("search-row"), .attr("href", SiteURL.channel(card.username).path),
            .attr("data-channel", card.username), .attr("data-live", card.isLive ? "true" : "false"),
            Thumbnail.node(username: card.username, url: card.thumbnailURL, isLive: card.isLive, viewerCount: card.viewerCount),
            .div(
                .class("search-text"),
                .p(.class("search-channel"), Avatar.node(username: card.username, size: 24, imageURL: card.avatarURL), .safe(card.username)),
                .p(.class("search-title"), .safe(card.title)),
                .p(.class("muted"), .text(card.isLive ? "Live now" : "Offline"))
            ),
        ])
    }
}
