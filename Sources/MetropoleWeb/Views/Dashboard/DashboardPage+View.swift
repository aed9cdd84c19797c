import Plot

enum DashboardPageView {
    static func render(_ model: DashboardPageModel, context: PageContext) -> HTML {
        Layout(title: "Dashboard", context: context, main: .div(
            .class("dashboard"),
            .h1(.text("Creator dashboard")),
            .div(
                .class("dashboard-grid"),
                .section(
                    .class("panel"), .attr("aria-labelledby", "preview-heading"),
                    .h2(.id("preview-heading"), .text("Stream")),
                    Player.node(username: model.username, isLive: model.isLive, thumbnailURL: nil, preview: true),
                    health(model.health)
                ),
                keys(model, context: context)
            )
        ), pageClass: "page-dashboard").render()
    }

    private static func health(_ health: StreamHealthDTO) -> Node<HTML.BodyContext> {
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
        ])
    }

    private static func keys(_ model: DashboardPageModel, context: PageContext) -> Node<HTML.BodyContext> {
        .section(
            .class("panel"), .id("keys"), .attr("aria-labelledby", "keys-heading"),
            .h2(.id("keys-heading"), .text("Keys")),
            .p(.class("muted"), .text("Paste these into OBS: Settings → Stream → Service: Custom…")),
            copyField(id: "server-url", label: "Server", value: model.serverURL, secret: false),
            .unwrap(model.streamKey, { key in
                .group(
                    copyField(id: "stream-key", label: "Stream key", value: key, secret: true),
                    .p(.class("help"), .text("Anyone with this key can stream to your channel. Never show it on stream.")),
                    .element(named: "details", nodes: [
                        .class("instructions"),
                        .element(named: "summary", text: "Streaming with ffmpeg"),
                        .element(named: "pre", nodes: [.element(named: "code", nodes: [
                            .attr("data-ffmpeg-command", ""),
                            .safe("ffmpeg -re -i input.mp4 -c:v libx264 -preset veryfast -g 60 -c:a aac -f flv \(model.serverURL)/\(key)"),
                        ])]),
                    ]),
                    .div(
                        .class("row"),
                        ingressForm(action: SiteURL.dashboard(model.username).path + "/keys", label: "Regenerate key", style: "btn btn-secondary",
                                    confirm: "A new key disconnects anyone streaming with the old one. Continue?", csrf: context.csrfToken),
                        ingressForm(action: SiteURL.dashboard(model.username).path + "/keys/delete", label: "Delete key", style: "btn btn-ghost",
                                    confirm: "Delete the key? Streaming stops until you generate a new one.", csrf: context.csrfToken)
                    )
                )
            }, else: .group(
                .p(.text("You have no stream key yet.")),
                ingressForm(action: SiteURL.dashboard(model.username).path + "/keys", label: "Generate stream key",
                            style: "btn btn-primary", confirm: nil, csrf: context.csrfToken)
            ))
        )
    }

    private static func copyField(id: String, label: String, value: String, secret: Bool) -> Node<HTML.BodyContext> {
        .div(
            .class("field"),
            .label(.attr("for", id), .text(label)),
            .div(
                .class("copy-field"),
                .input(.attr("id", id), .attr("type", secret ? "password" : "text"), .attr("value", value),
                       .attr("readonly", "readonly"), .attr("spellcheck", "false"), .attr("autocomplete", "off")),
                .if(secret, .button(.type(.button), .class("btn btn-secondary"), .attr("data-toggle-secret", id),
                                    .attr("aria-pressed", "false"), .text("Show"))),
                .button(.type(.button), .class("btn btn-secondary"), .attr("data-copy", id), .text("Copy"))
            )
        )
    }

    private static func ingressForm(action: String, label: String, style: String, confirm: String?, csrf: String) -> Node<HTML.BodyContext> {
        .form(
            .attr("action", action), .method(.post), .class("inline-form"),
            .unwrap(confirm) { text in .attr("data-confirm", text) },
            CSRFField.node(csrf),
            .button(.type(.submit), .class(style), .text(label))
        )
    }
}
