import Plot

enum HomePageView {
    static func render(_ model: HomePageModel, context: PageContext) -> HTML {
        Layout(title: "Metropole", context: context, main: .group(
            .h1(.class("page-title"), .text("Channels")),
            model.cards.isEmpty ? emptyState(context: context) : .div(.class("card-grid"), .forEach(model.cards, card))
        )).render()
    }

    static func card(_ card: HomePageModel.Card) -> Node<HTML.BodyContext> {
        .a(
            .class("stream-card"), .attr("href", SiteURL.channel(card.username).path),
            .div(
                .class("thumb"),
                .unwrap(card.thumbnailURL) { url in
                    .img(.attr("src", url), .attr("alt", ""), .attr("loading", "lazy"))
                },
                .if(card.isLive, .span(.class("badge-live"), .text("LIVE")))
            ),
            .div(
                .class("card-meta"),
                Avatar.node(username: card.username, size: 32),
                .div(
                    .class("card-text"),
                    .p(.class("card-title"), .attr("title", card.title), .safe(card.title)),
                    .p(.class("card-channel"), .safe(card.username))
                )
            )
        )
    }

    static func emptyState(context: PageContext) -> Node<HTML.BodyContext> {
        .div(
            .class("empty-state"),
            .p(.text("No channels yet. Be the first to go live.")),
            .if(context.username == nil, .a(.class("btn btn-primary"), .href(SiteURL.signUp.path), .text("Create an account")))
        )
    }
}
