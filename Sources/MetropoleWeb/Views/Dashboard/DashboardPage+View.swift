import Plot

enum DashboardPageView {
    static func render(_ model: DashboardPageModel, context: PageContext) -> HTML {
        return Layout(title: "Dashboard · \(model.tab.label)", context: context, main: .div(
            .class("dashboard"),
            .nav(
                .class("dashboard-nav"), .attr("aria-label", "Dashboard"),
                .forEach(DashboardPageModel.Tab.allCases) { tab in
                    .a(.attr("href", SiteURL.dashboard(model.username, tab).path),
                       .class(tab == model.tab ? "dashboard-tab is-current" : "dashboard-tab"),
                       .attr("aria-current", tab == model.tab ? "page" : "false"), .text(tab.label))
                },
                .a(.attr("href", SiteURL.settings.path), .class("dashboard-tab"), .text("Settings"))
            ),
            .unwrap(model.notice) { notice in .p(.class("form-error"), .attr("role", "alert"), .id("dashboard-notice"), .safe(notice)) },
            content(model, context: context)
        ), pageClass: "page-dashboard").render()
    }

    private static func content(_ model: DashboardPageModel, context: PageContext) -> Node<HTML.BodyContext> {
        switch model.tab {
        case .stream: DashboardStreamTab.node(model, context: context)
        case .keys: DashboardKeysTab.node(model, context: context)
        case .browser: DashboardBrowserTab.node(model, context: context)
        case .chat: DashboardChatTab.node(model, context: context)
        case .community: DashboardCommunityTab.node(model, context: context)
        case .videos: DashboardVideosTab.node(model, context: context)
        case .webhooks: DashboardWebhooksTab.node(model, context: context)
        }
    }

    static func postForm(action: String, label: String, style: String, confirm: String? = nil, csrf: String,
                         fields: [(String, String)] = []) -> Node<HTML.BodyContext> {
        .form(
            .attr("action", action), .method(.post), .class("inline-form"),
            .unwrap(confirm) { text in .attr("data-confirm", text) },
            CSRFField.node(csrf),
            .forEach(fields) { field in .input(.attr("type", "hidden"), .attr("name", field.0), .attr("value", field.1)) },
            .button(.type(.submit), .class(style), .text(label))
        )
    }
}

enum DashboardStreamTab {
    static func node(_ model: DashboardPageModel, context: PageContext) -> Node<HTML.BodyContext> {
        .div(
            .class("dashboard-grid"),
            .section(
                .class("panel"), .attr("aria-labelledby", "preview-heading"),
                .h2(.id("preview-heading"), .text("Preview")),
                Player.node(username: model.username, isLive: model.isLive, thumbnailURL: model.thumbnailURL,
                            playback: model.playback, preview: true),
                health(model.health),
                .if(model.recording.state == .paused, .p(.class("field-error"), .attr("data-recording-state", "paused"),
                                                         .attr("role", "status"), .safe(model.recording.statusText)))
            ),
            .section(
                .class("panel stack"), .attr("aria-labelledby", "info-heading"),
                .h2(.id("info-heading"), .text("Stream info")),
                .form(
                    .attr("action", SiteURL.dashboardAction(model.username, .stream).path), .method(.post), .class("stack"), .attr("data-stream-form", ""),
                    CSRFField.node(context.csrfToken),
                    .div(
                        .class("field"),
                        .label(.attr("for", "title"), .text("Title")),
                        .input(.attr("id", "title"), .attr("name", "title"), .attr("type", "text"), .attr("value", model.title),
                               .attr("maxlength", "140"), .attr("required", "required")),
                        .p(.class("field-error"), .attr("data-error-for", "title"), .hidden(true))
                    ),
                    .button(.type(.submit), .class("btn btn-primary"), .text("Save title")),
                    .span(.class("muted"), .attr("data-saved", ""), .attr("role", "status"))
                ),
                .form(
                    .attr("action", SiteURL.dashboardAction(model.username, .thumbnail).path), .method(.post), .attr("enctype", "multipart/form-data"),
                    .class("stack"), .attr("data-thumbnail-form", ""),
                    CSRFField.node(context.csrfToken),
                    .div(
                        .class("field"),
                        .label(.attr("for", "thumbnail"), .text("Thumbnail")),
                        .element(named: "div", nodes: [
                            .class("thumb-preview"),
                            Thumbnail.node(username: model.username, url: model.thumbnailURL, isLive: false, viewerCount: 0),
                        ]),
                        .input(.attr("id", "thumbnail"), .attr("name", "image"), .attr("type", "file"),
                               .attr("accept", "image/png,image/jpeg,image/webp")),
                        .p(.class("help"), .text("PNG, JPEG or WebP, at most 4 MiB. Shown on cards and while you are offline.")),
                        .p(.class("field-error"), .id("thumbnail-error"), .attr("role", "alert"), .hidden(true))
                    ),
                    .button(.type(.submit), .class("btn btn-secondary"), .text("Upload thumbnail"))
                ),
                .form(
                    .attr("action", SiteURL.dashboardAction(model.username, .stream).path), .method(.post), .class("stack"),
                    .attr("data-keep-thumbnail-form", ""),
                    CSRFField.node(context.csrfToken),
                    DashboardChatTab.checkbox(name: "keepUploadedThumbnail", label: "Always show my uploaded thumbnail",
                                              checked: model.keepUploadedThumbnail,
                                              help: "While you are live, cards show a frame of your stream, refreshed about once a minute. Turn this on to keep your uploaded picture instead."),
                    .noscript(.button(.type(.submit), .class("btn btn-secondary"), .text("Save"))),
                    .span(.class("muted"), .attr("data-saved", ""), .attr("role", "status"))
                )
            )
        )
    }

    static func health(_ health: StreamHealthDTO) -> Node<HTML.BodyContext> {
        func row(_ label: String, _ key: String, _ value: String?) -> Node<HTML.BodyContext> {
            .div(.class("health-row"), .element(named: "dt", text: label),
                 .element(named: "dd", nodes: [.attr("data-health", key), .class("tabular"), .safe(value ?? "—")]))
        }
        let resolution = health.width.flatMap { width in health.height.map { "\(width)×\($0)" } }
        return .element(named: "dl", nodes: [
            .class("health"), .attr("data-health-panel", ""),
            row("Status", "status", health.isLive ? "Live" : "Offline"),
            row("Video", "videoCodec", health.videoCodec),
            row("Audio", "audioCodec", health.audioCodec),
            row("Resolution", "resolution", resolution),
            row("Frame rate", "frameRate", health.frameRate.map { "\($0) fps" }),
            row("Bitrate", "bitrate", health.bitrate.map { "\($0 / 1000) kbps" }),
            row("Keyframe interval", "keyframeInterval", health.keyframeInterval.map { "\($0) s" }),
            row("Uptime", "uptime", health.uptimeSeconds.map { "\($0) s" }),
            row("Viewers", "viewerCount", String(health.viewerCount)),
            row("Recording", "recording", DashboardRecording.label(state: health.recording, reason: health.recordingPausedReason)),
        ])
    }
}
