import Plot

/// The chat column of a channel page: the Chat tab (messages, notices, the input) and the
/// Community tab (who is in the chat). Public/js/chat.js brings it to life over the chat
/// WebSocket; without JavaScript it shows a sentence saying so.
enum ChatPanel {
    static func node(channel: String, viewer: String?, isOwner: Bool) -> Node<HTML.BodyContext> {
        .element(named: "section", nodes: [
            .class("chat"), .attr("data-chat", ""), .attr("data-channel", channel),
            .attr("data-chat-url", SiteURL.api(.chat(channel)).path),
            .attr("data-chatters-url", SiteURL.api(.chatters(channel)).path),
            .attr("data-owner", isOwner ? "true" : "false"), .attr("aria-label", "Chat"),
            tabs(),
            chatPane(channel: channel, viewer: viewer),
            communityPane(isOwner: isOwner),
        ])
    }

    private static func tabs() -> Node<HTML.BodyContext> {
        .div(
            .class("chat-head"),
            .div(
                .class("chat-tabs"), .attr("role", "tablist"), .attr("aria-label", "Chat and community"),
                .button(.type(.button), .class("chat-tab"), .id("chat-tab-chat"), .attr("role", "tab"), .attr("aria-selected", "true"),
                        .attr("aria-controls", "chat-pane-chat"), .attr("data-tab", "chat"), .text("Chat")),
                .button(.type(.button), .class("chat-tab"), .id("chat-tab-community"), .attr("role", "tab"), .attr("aria-selected", "false"),
                        .attr("aria-controls", "chat-pane-community"), .attr("tabindex", "-1"), .attr("data-tab", "community"), .text("Community"))
            ),
            .span(.class("chat-viewers tabular muted"), .attr("data-chat-viewers", ""), .attr("aria-live", "off"))
        )
    }

    private static func chatPane(channel: String, viewer: String?) -> Node<HTML.BodyContext> {
        .div(
            .class("chat-pane"), .id("chat-pane-chat"), .attr("role", "tabpanel"), .attr("aria-labelledby", "chat-tab-chat"),
            .attr("data-pane", "chat"),
            .element(named: "ol", nodes: [
                .class("chat-log"), .attr("data-chat-log", ""), .attr("aria-live", "polite"), .attr("aria-relevant", "additions"),
                .attr("tabindex", "0"), .attr("aria-label", "Chat messages"),
                .element(named: "li", nodes: [.class("chat-empty muted"), .attr("data-chat-empty", ""),
                                              .text("Connecting to chat… (chat needs JavaScript)")]),
            ]),
            .button(.type(.button), .class("btn btn-secondary chat-new"), .attr("data-chat-new", ""), .hidden(true), .text("New messages ↓")),
            .p(.class("chat-notice"), .attr("data-chat-notice", ""), .attr("role", "status"), .hidden(true)),
            viewer == nil ? .p(
                .class("chat-signin"), .attr("data-chat-signin", ""),
                .a(.attr("href", SiteURL.signIn.path + "?returnTo=" + SiteURL.channel(channel).path), .text("Sign in")),
                .text(" or "),
                .a(.attr("href", SiteURL.signUp.path), .text("sign up")),
                .text(" to chat.")
            ) : form()
        )
    }

    private static func form() -> Node<HTML.BodyContext> {
        .form(
            .class("chat-form"), .attr("data-chat-form", ""), .attr("autocomplete", "off"),
            .label(.class("visually-hidden"), .attr("for", "chat-input"), .text("Send a message")),
            .textarea(.id("chat-input"), .class("chat-input"), .attr("data-chat-input", ""), .attr("rows", "2"),
                      .attr("placeholder", "Send a message"), .attr("aria-describedby", "chat-counter chat-error")),
            .div(
                .class("chat-form-row"),
                .span(.id("chat-counter"), .class("chat-counter tabular muted"), .attr("data-chat-counter", ""), .text("0/500")),
                .span(.class("chat-countdown tabular"), .attr("data-chat-countdown", ""), .attr("aria-live", "polite"), .hidden(true)),
                .button(.type(.submit), .class("btn btn-primary"), .attr("data-chat-send", ""), .text("Chat"))
            ),
            .p(.id("chat-error"), .class("chat-error"), .attr("data-chat-error", ""), .attr("aria-live", "assertive"))
        )
    }

    private static func communityPane(isOwner: Bool) -> Node<HTML.BodyContext> {
        .div(
            .class("chat-pane community"), .id("chat-pane-community"), .attr("role", "tabpanel"),
            .attr("aria-labelledby", "chat-tab-community"), .attr("data-pane", "community"), .hidden(true),
            .label(.class("visually-hidden"), .attr("for", "community-search"), .text("Search people in chat")),
            .input(.type(.search), .id("community-search"), .class("community-search"), .attr("data-community-search", ""),
                   .attr("placeholder", "Search people in chat"), .attr("autocomplete", "off")),
            .p(.class("community-count muted tabular"), .attr("data-community-count", "")),
            .element(named: "ul", nodes: [.class("community-list"), .attr("data-community-list", "")]),
            .if(isOwner, .p(.class("muted community-help"), .text("Kick removes someone for 10 minutes; block is permanent.")))
        )
    }
}
