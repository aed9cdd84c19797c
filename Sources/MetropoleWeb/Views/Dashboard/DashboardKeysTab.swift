import Plot

enum DashboardKeysTab {
    static func node(_ model: DashboardPageModel, context: PageContext) -> Node<HTML.BodyContext> {
        let sharedKey = Set(model.ingress.map(\.streamKey)).count == 1 ? model.ingress.first?.streamKey : nil
        return .section(
            .class("panel narrow"), .id("keys"), .attr("aria-labelledby", "keys-heading"),
            .h2(.id("keys-heading"), .text("Stream keys")),
            .p(.class("muted"), .text("You stream through \(model.providerName)"
                + (model.ingress.count > 1 ? ": one key works over every protocol below." : ".")
                + " Change it in Settings.")),
            .unwrap(model.streamKey, { _ in
                .group(
                    .unwrap(sharedKey) { key in copyField(id: "stream-key", label: "Stream key", value: key, secret: true) },
                    .p(.class("help"), .text("Anyone with this key can stream to your channel. Never show it on stream.")),
                    .forEach(model.ingress) { credentials in
                        protocolSection(credentials, model: model, separateKey: sharedKey == nil)
                    },
                    .div(
                        .class("row"),
                        DashboardPageView.postForm(action: SiteURL.dashboardAction(model.username, .regenerateKey).path, label: "Regenerate key", style: "btn btn-secondary",
                                                   confirm: "A new key disconnects anyone streaming with the old one. Continue?",
                                                   csrf: context.csrfToken),
                        DashboardPageView.postForm(action: SiteURL.dashboardAction(model.username, .deleteKey).path, label: "Delete key", style: "btn btn-ghost",
                                                   confirm: "Delete the key? Streaming stops until you generate a new one.",
                                                   csrf: context.csrfToken)
                    )
                )
            }, else: .group(
                .p(.text("You have no stream key yet.")),
                DashboardPageView.postForm(action: SiteURL.dashboardAction(model.username, .regenerateKey).path, label: "Generate stream key", style: "btn btn-primary", csrf: context.csrfToken)
            ))
        )
    }

    /// One protocol's settings: where OBS puts what, and the encoder settings it wants.
    private static func protocolSection(_ credentials: Ingress.Credentials, model: DashboardPageModel,
                                        separateKey: Bool) -> Node<HTML.BodyContext> {
        switch credentials.ingestProtocol {
        case .rtmp:
            return .group(
                .h3(.text("RTMP")),
                .p(.class("muted"), .text("In OBS: Settings → Stream → Service: Custom…, then paste the Server and the Stream Key. "
                    + "Output: keyframe interval 2 s.")),
                copyField(id: "server-url", label: "Server", value: credentials.serverURL, secret: false),
                .if(separateKey, copyField(id: "stream-key", label: "Stream key", value: credentials.streamKey, secret: true)),
                .element(named: "details", nodes: [
                    .class("instructions"),
                    .element(named: "summary", text: "Streaming with ffmpeg instead"),
                    .element(named: "pre", nodes: [.element(named: "code", nodes: [
                        .attr("data-ffmpeg-command", ""),
                        .safe("ffmpeg -re -i input.mp4 -c:v libx264 -preset veryfast -g 60 -c:a aac -f flv \(credentials.serverURL)/\(credentials.streamKey)"),
                    ])]),
                ])
            )
        case .whip:
            return .group(
                .h3(.text("WHIP")),
                .p(.class("muted"), .text("In OBS 30 or later: Settings → Stream → Service: WHIP, then paste the Server, "
                    + "and the stream key as the Bearer Token. Output: H.264, keyframe interval 1–2 s, no B-frames; "
                    + "audio Opus.")),
                copyField(id: "whip-url", label: "Server", value: credentials.serverURL, secret: false),
                .if(separateKey, copyField(id: "whip-token", label: "Bearer token", value: credentials.streamKey, secret: true)),
                .if(model.isBuiltinProvider, .p(
                    .text("Or "), .a(.href(SiteURL.dashboard(model.username, .browser).path), .text("go live from this browser")),
                    .text(" with your camera or screen.")
                ))
            )
        }
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
}

enum DashboardChatTab {
    static let slowModeChoices = [0, 3, 5, 10, 30, 60, 120, 300]

    static func node(_ model: DashboardPageModel, context: PageContext) -> Node<HTML.BodyContext> {
        .section(
            .class("panel narrow"), .attr("aria-labelledby", "chat-heading"),
            .h2(.id("chat-heading"), .text("Chat settings")),
            .p(.class("muted"), .text("Changes apply at once to everyone in your chat.")),
            .form(
                .attr("action", SiteURL.dashboardAction(model.username, .chat).path), .method(.post), .class("stack"), .attr("data-chat-settings", ""),
                CSRFField.node(context.csrfToken),
                checkbox(name: "chatEnabled", label: "Chat enabled", checked: model.chatEnabled,
                         help: "When off, nobody can post and viewers see that chat is off."),
                checkbox(name: "followersOnly", label: "Followers-only chat", checked: model.followersOnly,
                         help: "Only your followers can post. You can always post."),
                .div(
                    .class("field"),
                    .label(.attr("for", "slowModeSeconds"), .text("Slow mode")),
                    .element(named: "select", nodes: [
                        .attr("id", "slowModeSeconds"), .attr("name", "slowModeSeconds"),
                        .forEach(Set(slowModeChoices + [model.slowModeSeconds]).sorted()) { seconds in
                            .element(named: "option", nodes: [
                                .attr("value", String(seconds)),
                                .if(seconds == model.slowModeSeconds, .attribute(named: "selected", value: nil, ignoreIfValueIsEmpty: false)),
                                .text(seconds == 0 ? "Off" : "\(seconds) seconds between messages"),
                            ])
                        },
                    ]),
                    .p(.class("help"), .text("How long each viewer waits between messages. You are exempt."))
                ),
                .noscript(.button(.type(.submit), .class("btn btn-primary"), .text("Save"))),
                .span(.class("muted"), .attr("data-saved", ""), .attr("role", "status"))
            )
        )
    }

    /// A switch posted as `true`/`false` (the hidden field answers when it is off).
    static func checkbox(name: String, label: String, checked: Bool, help: String) -> Node<HTML.FormContext> {
        .div(
            .class("field toggle"),
            .input(.attr("type", "hidden"), .attr("name", name), .attr("value", "false")),
            .label(
                .input(.attr("type", "checkbox"), .attr("id", name), .attr("name", name), .attr("value", "true"),
                       .attr("role", "switch"), checked ? .attr("checked", "checked") : .attr("data-unchecked", "")),
                .text(" " + label)
            ),
            .p(.class("help"), .text(help))
        )
    }
}

enum DashboardCommunityTab {
    static func node(_ model: DashboardPageModel, context: PageContext) -> Node<HTML.BodyContext> {
        .section(
            .class("panel narrow"), .attr("aria-labelledby", "community-heading"),
            .h2(.id("community-heading"), .text("Blocked users")),
            model.blocked.isEmpty
                ? .p(.class("muted"), .text("You have not blocked anyone. Block people from your chat or their channel page."))
                : .ul(.class("blocked-list"), .forEach(model.blocked) { name in
                    .li(
                        .class("blocked-item"),
                        Avatar.node(username: name, size: 30), .span(.safe(name)),
                        DashboardPageView.postForm(action: SiteURL.dashboardAction(model.username, .unblock(name)).path, label: "Unblock",
                                                   style: "btn btn-secondary", csrf: context.csrfToken)
                    )
                })
        )
    }
}
