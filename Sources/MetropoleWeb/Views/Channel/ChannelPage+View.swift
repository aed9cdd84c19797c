import Foundation
import Plot

enum ChannelPageView {
    static func render(_ model: ChannelPageModel, context: PageContext) -> HTML {
        Layout(title: model.username, context: context, main: .group(
            Player.node(username: model.username, isLive: model.isLive, thumbnailURL: model.thumbnailURL, playback: model.playback,
                        theatre: context.layout.contains(.theatre)),
            LayoutToggles.node(context: context),
            header(model, context: context),
            ChannelTabs.node(username: model.username, current: .live),
            .section(
                .class("about"), .attr("aria-labelledby", "about-heading"),
                .h2(.id("about-heading"), .safe("About \(model.username)")),
                .p(.class("muted tabular"), .attr("data-follower-count", String(model.followerCount)),
                   .text("\(model.followerCount) follower\(model.followerCount == 1 ? "" : "s")")),
                model.bio.isEmpty ? .p(.class("muted"), .text("No bio yet.")) : .p(.class("bio"), .safe(model.bio))
            )
        ), rightColumn: ChatPanel.node(channel: model.username, viewer: context.username, isOwner: model.isOwner), pageClass: "page-channel").render()
    }

    static func header(_ model: ChannelPageModel, context: PageContext) -> Node<HTML.BodyContext> {
        .div(
            .class("channel-header"), .attr("data-channel", model.username),
            .div(.class(model.isLive ? "avatar-ring is-live" : "avatar-ring"),
                 Avatar.node(username: model.username, size: 64, imageURL: model.avatarURL)),
            .div(
                .class("channel-text"),
                .h1(.class("channel-name"), .safe(model.username)),
                .p(.class("channel-title"), .safe(model.title)),
                .div(
                    .class("channel-status"),
                    .span(.class("badge-live inline"), .attr("data-live-badge", ""), .if(!model.isLive, .hidden(true)), .text("LIVE")),
                    .span(.class("viewer-count tabular"), .attr("data-viewer-count", ""), .attr("data-suffix", " watching"), .if(!model.isLive, .hidden(true)),
                          .text("\(model.viewerCount) watching")),
                    .unwrap(model.startedAt) { started in
                        .span(.class("uptime tabular muted"), .attr("data-started-at", ISO8601DateFormatter().string(from: started)))
                    }
                )
            ),
            .div(.class("channel-actions"), actions(model, context: context))
        )
    }

    private static func actions(_ model: ChannelPageModel, context: PageContext) -> Node<HTML.BodyContext> {
        if model.isOwner {
            return .a(.class("btn btn-secondary"), .attr("href", SiteURL.dashboard(model.username).path), .text("Dashboard"))
        }
        guard model.isSignedIn else {
            let back = SiteURL.channel(model.username).path
            return .a(.class("btn btn-primary"), .attr("href", SiteURL.signIn.path + "?returnTo=" + back), .text("Follow"))
        }
        let channel = SiteURL.channel(model.username).path
        return .group(
            .form(
                .attr("action", channel + (model.isFollowing ? "/unfollow" : "/follow")), .method(.post), .class("inline-form"),
                .attr("data-follow-form", ""), .attr("data-channel-name", model.username),
                CSRFField.node(context.csrfToken),
                .button(.type(.submit), .class(model.isFollowing ? "btn btn-secondary" : "btn btn-primary"),
                        .attr("data-following", model.isFollowing ? "true" : "false"),
                        .text(model.isFollowing ? "Unfollow" : "Follow"))
            ),
            .form(
                .attr("action", channel + "/block"), .method(.post), .class("inline-form"),
                .attr("data-confirm", "Block \(model.username)? They will no longer see your channel or chat, and follows between you end."),
                CSRFField.node(context.csrfToken),
                .button(.type(.submit), .class("btn btn-ghost"), .text("Block"))
            )
        )
    }
}

/// Theatre mode and hide-chat: forms that work without JavaScript, flipped in place with it.
enum LayoutToggles {
    static func node(context: PageContext) -> Node<HTML.BodyContext> {
        .div(
            .class("layout-toggles"),
            toggle(.theatre, label: "Theatre mode", icon: Icons.theatre, context: context),
            toggle(.chatHidden, label: "Hide chat", icon: Icons.chat, context: context)
        )
    }

    private static func toggle(_ toggle: LayoutPreferences.Toggle, label: String, icon: String, context: PageContext) -> Node<HTML.BodyContext> {
        .form(
            .attr("action", SiteURL.layout.path), .method(.post), .class("inline-form"),
            CSRFField.node(context.csrfToken),
            .input(.attr("type", "hidden"), .attr("name", "toggle"), .attr("value", toggle.rawValue)),
            .button(.type(.submit), .class("btn btn-ghost icon-btn"), .attr("data-layout-toggle", toggle.rawValue),
                    .attr("aria-label", label), .attr("title", label),
                    .attr("aria-pressed", context.layout.contains(toggle) ? "true" : "false"), .raw(icon))
        )
    }
}

/// The video player: MSE over the WebSocket feed, native HLS where MSE is missing. The
/// controls are real buttons rendered here; `player-controls.js` keeps their state (decision 0047).
enum Player {
    /// `playback` is where the live stream plays: our WebSocket feed and LL-HLS, or a
    /// provider's HLS alone (the player then plays HLS natively). `theatre` is whether theatre
    /// mode is on, or nil where the page has none (the dashboard's preview).
    static func node(username: String, isLive: Bool, thumbnailURL: String?, playback: PlaybackURLs,
                     preview: Bool = false, theatre: Bool? = nil) -> Node<HTML.BodyContext> {
        let statsID = "player-stats-\(username)"
        return .element(named: "section", nodes: [
            .class("player"), .attr("data-player", ""), .attr("data-channel", username),
            .attr("data-live", isLive ? "true" : "false"),
            .unwrap(playback.ws) { .attr("data-ws", $0) }, .attr("data-hls", playback.hls),
            .attr("aria-label", preview ? "Stream preview" : "\(username)'s stream"),
            .element(named: "video", nodes: [
                .attr("class", "player-video"), .attribute(named: "muted"), .attribute(named: "playsinline"),
                .attribute(named: "autoplay"),
            ]),
            .div(
                .class("player-offline"), .if(isLive, .hidden(true)),
                .unwrap(thumbnailURL) { url in .img(.attr("src", url), .attr("alt", "")) },
                .p(.safe(preview ? "You are offline. Start streaming from OBS to see your preview." : "\(username) is offline."))
            ),
            .button(.class("btn btn-secondary player-unmute"), .type(.button), .hidden(true), .attr("data-unmute", ""), .text("Unmute")),
            .p(.class("player-message"), .attr("role", "status"), .attr("aria-live", "polite")),
            stats(id: statsID),
            controls(statsID: statsID, theatre: theatre),
        ])
    }

    private static func controls(statsID: String, theatre: Bool?) -> Node<HTML.BodyContext> {
        .div(
            .class("player-controls"), .attr("data-player-controls", ""), .attr("role", "group"), .attr("aria-label", "Player controls"),
            toggle("play", label: "Play", pressed: false, on: Icons.pause, off: Icons.play),
            toggle("mute", label: "Mute", pressed: true, on: Icons.volumeMuted, off: Icons.volume),
            .input(.attr("class", "player-volume"), .attr("type", "range"), .attr("min", "0"), .attr("max", "1"), .attr("step", "0.05"),
                   .attr("value", "1"), .attr("aria-label", "Volume"), .attr("data-player-volume", "")),
            .element(named: "button", nodes: [
                .attr("type", "button"), .class("player-live"), .attr("data-player-live", ""), .attr("data-state", "live"),
                .attr("aria-label", "Jump to live"), .attr("title", "Jump to live"),
                .span(.class("player-live-dot"), .attr("aria-hidden", "true")),
                .span(.class("tabular"), .attr("data-player-live-text", ""), .text("LIVE")),
            ]),
            .span(.class("player-controls-gap")),
            .element(named: "button", nodes: [
                .attr("type", "button"), .class("player-btn"), .attr("data-player-stats-toggle", ""),
                .attr("aria-label", "Stream stats"), .attr("title", "Stream stats (i)"), .attr("aria-pressed", "false"),
                .attr("aria-controls", statsID), .raw(Icons.stats),
            ]),
            toggle("pip", label: "Picture in picture", pressed: false, on: Icons.pictureInPicture, off: Icons.pictureInPicture),
            .unwrap(theatre) { on in
                .button(.type(.button), .class("player-btn"), .attr("data-layout-toggle", LayoutPreferences.Toggle.theatre.rawValue),
                        .attr("aria-label", "Theatre mode"), .attr("title", "Theatre mode (t)"),
                        .attr("aria-pressed", on ? "true" : "false"), .raw(Icons.theatre))
            },
            toggle("fullscreen", label: "Fullscreen", pressed: false, on: Icons.exitFullscreen, off: Icons.fullscreen)
        )
    }

    /// A toggle button showing `off` while not pressed and `on` while pressed.
    private static func toggle(_ name: String, label: String, pressed: Bool, on: String, off: String) -> Node<HTML.BodyContext> {
        let keys = ["play": " (k)", "mute": " (m)", "fullscreen": " (f)"]
        return .element(named: "button", nodes: [
            .attr("type", "button"), .class("player-btn"), .attr("data-player-\(name)", ""),
            .attr("aria-label", label), .attr("title", label + (keys[name] ?? "")), .attr("aria-pressed", pressed ? "true" : "false"),
            .span(.class("icon-off"), .raw(off)), .span(.class("icon-on"), .raw(on)),
        ])
    }

    private static func stats(id: String) -> Node<HTML.BodyContext> {
        func row(_ label: String, _ key: String) -> Node<HTML.BodyContext> {
            .div(.element(named: "dt", text: label), .element(named: "dd", nodes: [.class("tabular"), .attr("data-stat", key), .text("—")]))
        }
        return .div(
            .class("player-stats"), .id(id), .attr("data-player-stats", ""), .hidden(true),
            .element(named: "dl", nodes: [
                row("Resolution", "resolution"), row("Bitrate", "bitrate"), row("Buffer", "buffer"),
                row("Delay behind live", "delay"), row("Dropped frames", "dropped"),
            ])
        )
    }
}
