import Plot

enum HomePageView {
    static func render(_ model: HomePageModel, context: PageContext) -> HTML {
        Layout(title: "Metropole", context: context, main: .group(
            .if(!model.following.isEmpty, .section(
                .class("home-section"), .attr("aria-labelledby", "following-heading"),
                .h2(.id("following-heading"), .class("section-title"), .text("Following")),
                .div(.class("card-grid"), .forEach(model.following, StreamCard.node))
            )),
            .section(
                .class("home-section"), .attr("aria-labelledby", "recommended-heading"),
                .h1(.id("recommended-heading"), .class("section-title"),
                    .text(model.following.isEmpty ? "Live channels" : "Recommended")),
                model.recommended.isEmpty && model.following.isEmpty
                    ? emptyState(context: context)
                    : .div(.class("card-grid"), .forEach(model.recommended, StreamCard.node))
            )
        )).render()
    }

    static func emptyState(context: PageContext) -> Node<HTML.BodyContext> {
        .div(
            .class("empty-state"),
            .p(.text("No channels yet. Be the first to go live.")),
            context.username.map { name in
                .a(.class("btn btn-primary"), .attr("href", SiteURL.dashboard(name, .keys).path), .text("Set up your stream"))
            } ?? .a(.class("btn btn-primary"), .href(SiteURL.signUp.path), .text("Create an account"))
        )
    }
}

/// A stream card: 16:9 thumbnail with LIVE badge and viewer count, avatar, title, channel.
enum StreamCard {
    static func node(_ card: HomePageModel.Card) -> Node<HTML.BodyContext> {
        .element(named: "a", nodes: [
            .class("stream-card"), .attr("href", SiteURL.channel(card.username).path),
            .attr("data-channel", card.username), .attr("data-live", card.isLive ? "true" : "false"),
            Thumbnail.node(username: card.username, url: card.thumbnailURL, isLive: card.isLive, viewerCount: card.viewerCount),
            .div(
                .class("card-meta"),
                Avatar.node(username: card.username, size: 32, imageURL: card.avatarURL),
                .div(
                    .class("card-text"),
                    .p(.class("card-title"), .attr("title", card.title), .safe(card.title)),
                    .p(.class("card-channel"), .safe(card.username))
                )
            ),
        ])
    }
}

/// A 16:9 thumbnail: the uploaded picture or a placeholder generated from the channel name.
enum Thumbnail {
    static func node(username: String, url: String?, isLive: Bool, viewerCount: Int) -> Node<HTML.BodyContext> {
        .div(
            .class(url == nil ? "thumb thumb-placeholder" : "thumb"),
            .attr("style", "--hue:\(Avatar.hue(for: username))"),
            url.map { .img(.attr("src", $0), .attr("alt", ""), .attr("loading", "lazy"), .attr("decoding", "async")) }
                ?? .span(.class("thumb-initial"), .attr("aria-hidden", "true"), .safe(String(username.prefix(1)).uppercased())),
            .span(.class("badge-live"), .attr("data-live-badge", ""), .if(!isLive, .hidden(true)), .text("LIVE")),
            .span(.class("thumb-viewers tabular"), .attr("data-viewer-count", ""), .attr("data-suffix", " viewers"),
                  .if(!isLive, .hidden(true)), .text("\(viewerCount) viewers"))
        )
    }
}
