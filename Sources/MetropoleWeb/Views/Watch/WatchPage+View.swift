import Plot

enum WatchPageView {
    static func render(_ model: WatchPageModel, context: PageContext) -> HTML {
        let video = model.video
        return Layout(title: video.title, context: context, main: .group(
            VODPlayer.node(playlistURL: model.playlistURL, label: video.title, posterURL: video.thumbnailURL),
            .div(
                .class("channel-header watch-header"),
                .a(.attr("href", SiteURL.channel(video.username).path), .class("avatar-ring"),
                   .attr("aria-label", video.username), Avatar.node(username: video.username, size: 48, imageURL: model.avatarURL)),
                .div(
                    .class("channel-text"),
                    .h1(.class("video-title"), .attr("data-video-title", ""), .safe(video.title)),
                    .p(.class("muted tabular"),
                       .a(.attr("href", SiteURL.channelVideos(video.username).path), .safe(video.username)),
                       .text(" · "), .element(named: "time", nodes: [.attr("datetime", video.isoDate), .text(video.dateText)]),
                       .text(" · "), .span(.attr("data-duration", ""), .text(video.durationText)))
                )
            ),
            .unwrap(model.notice) { .p(.class("field-error"), .attr("role", "alert"), .safe($0)) },
            .if(model.isOwner, VideoOwnerForms.node(video, back: .watch, csrf: context.csrfToken))
        ), pageClass: "page-watch").render()
    }
}

/// The VOD player: `Public/js/vod-player.js` plays the playlist through MSE, or hands it to
/// the browser where it plays HLS itself (Safari).
enum VODPlayer {
    static func node(playlistURL: String, label: String, posterURL: String?) -> Node<HTML.BodyContext> {
        .element(named: "section", nodes: [
            .class("player vod-player"), .attr("data-vod-player", ""), .attr("data-playlist", playlistURL),
            .attr("aria-label", label),
            .element(named: "video", nodes: [
                .attr("class", "player-video"), .attribute(named: "controls"), .attribute(named: "playsinline"),
                .unwrap(posterURL) { .attr("poster", $0) },
            ]),
            .p(.class("player-message"), .attr("role", "status"), .attr("aria-live", "polite")),
        ])
    }
}

/// Rename and delete, for the video's owner (watch page and dashboard).
enum VideoOwnerForms {
    enum Back: String { case watch, dashboard }

    static func node(_ video: VideoCard, back: Back, csrf: String) -> Node<HTML.BodyContext> {
        .div(
            .class("video-owner-forms row"),
            .form(
                .attr("action", SiteURL.videoAction(video.username, id: video.id, .rename).path), .method(.post), .class("inline-form row"),
                CSRFField.node(csrf),
                .input(.attr("type", "hidden"), .attr("name", "back"), .attr("value", back.rawValue)),
                .label(.attr("for", "title-\(video.id)"), .class("visually-hidden"), .text("Title")),
                .input(.attr("id", "title-\(video.id)"), .attr("name", "title"), .attr("value", video.title),
                       .attr("maxlength", "140"), .attr("required", "required")),
                .button(.type(.submit), .class("btn btn-secondary"), .text("Rename"))
            ),
            .form(
                .attr("action", SiteURL.videoAction(video.username, id: video.id, .delete).path), .method(.post), .class("inline-form"),
                .attr("data-confirm", "Delete this video? Its recording is removed for good."),
                CSRFField.node(csrf),
                .input(.attr("type", "hidden"), .attr("name", "back"), .attr("value", back.rawValue)),
                .button(.type(.submit), .class("btn btn-ghost"), .text("Delete"))
            )
        )
    }
}
