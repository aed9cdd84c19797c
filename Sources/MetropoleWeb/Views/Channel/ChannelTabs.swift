import Plot

/// "Live | Videos" under the channel header.
enum ChannelTabs {
    enum Tab { case live, videos }

    static func node(username: String, current: Tab) -> Node<HTML.BodyContext> {
        .nav(
            .class("channel-tabs"), .attr("aria-label", "Channel"),
            link("Live", href: SiteURL.channel(username).path, isCurrent: current == .live),
            link("Videos", href: SiteURL.channelVideos(username).path, isCurrent: current == .videos)
        )
    }

    private static func link(_ label: String, href: String, isCurrent: Bool) -> Node<HTML.BodyContext> {
        .a(.attr("href", href), .class(isCurrent ? "channel-tab is-current" : "channel-tab"),
           .attr("aria-current", isCurrent ? "page" : "false"), .text(label))
    }
}
