import Plot

enum ChannelVideosView {
    static func render(_ model: ChannelVideosModel, context: PageContext) -> HTML {
        let channel = model.channel
        return Layout(title: "\(channel.username) · Videos", context: context, main: .group(
            ChannelPageView.header(channel, context: context),
            ChannelTabs.node(username: channel.username, current: .videos),
            .section(
                .class("channel-videos"), .attr("aria-labelledby", "videos-heading"),
                .h2(.id("videos-heading"), .class("visually-hidden"), .text("Past broadcasts")),
                model.videos.isEmpty
                    ? .div(.class("empty-state"), .p(.safe("\(channel.username) has no past broadcasts yet.")),
                           .p(.text("Broadcasts are recorded and appear here when they end.")))
                    : .div(.class("card-grid"), .forEach(model.videos) { VideoCardView.node($0) })
            )
        ), pageClass: "page-channel-videos").render()
    }
}

/// A past broadcast's card: thumbnail with its duration, title and date.
enum VideoCardView {
    static func node(_ video: VideoCard) -> Node<HTML.BodyContext> {
        .element(named: "a", nodes: [
            .class("stream-card video-card"), .attr("href", SiteURL.video(video.username, id: video.id).path),
            .attr("data-video", video.id),
            .div(
                .class(video.thumbnailURL == nil ? "thumb thumb-placeholder" : "thumb"),
                .attr("style", "--hue:\(Avatar.hue(for: video.username))"),
                video.thumbnailURL.map { .img(.attr("src", $0), .attr("alt", ""), .attr("loading", "lazy"), .attr("decoding", "async")) }
                    ?? .span(.class("thumb-initial"), .attr("aria-hidden", "true"), .safe(String(video.username.prefix(1)).uppercased())),
                .span(.class("thumb-duration tabular"), .attr("data-duration", ""), .text(video.durationText))
            ),
            .div(
                .class("card-text"),
                .p(.class("card-title"), .attr("title", video.title), .safe(video.title)),
                .p(.class("card-channel"), .element(named: "time", nodes: [.attr("datetime", video.isoDate), .text(video.dateText)]))
            ),
        ])
    }
}
