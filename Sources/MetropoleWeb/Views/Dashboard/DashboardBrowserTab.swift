import Plot

/// "Go live from this browser": camera and microphone (or a screen) sent over WHIP to this
/// server (`Public/js/broadcast.js`), with a local preview and the stream's health beside it.
enum DashboardBrowserTab {
    static func node(_ model: DashboardPageModel, context: PageContext) -> Node<HTML.BodyContext> {
        let whip = model.isBuiltinProvider ? model.ingress.first { $0.ingestProtocol == .whip } : nil
        guard let whip else {
            let reason = !model.isBuiltinProvider ? "You stream through \(model.providerName); going live from the browser uses Metropole's own WHIP ingest."
                : model.streamKey == nil ? "You need a stream key first." : "WHIP ingest is turned off on this server."
            return .section(
                .class("panel narrow"), .h2(.text("Go live from this browser")),
                .p(.text(reason)),
                .if(model.streamKey == nil, .a(.class("btn btn-primary"), .href(SiteURL.dashboard(model.username, .keys).path), .text("Get a stream key")))
            )
        }
        let key = whip.streamKey
        return .div(
            .class("dashboard-grid"),
            .section(
                .class("panel stack"), .attr("aria-labelledby", "broadcast-heading"),
                .attr("data-broadcast", ""), .attr("data-whip-url", whip.serverURL), .attr("data-stream-key", key),
                .h2(.id("broadcast-heading"), .text("Go live from this browser")),
                .p(.class("muted"), .text("Your camera and microphone, or a screen, sent to this server over WebRTC. Keep this tab open while you are live.")),
                .element(named: "video", nodes: [
                    .class("broadcast-preview"), .attr("data-broadcast-preview", ""), .attr("muted", ""), .attr("autoplay", ""),
                    .attr("playsinline", ""), .attr("aria-label", "Preview of what you send"),
                ]),
                field(id: "broadcast-source", label: "Source", options: [("camera", "Camera and microphone"), ("screen", "Screen")]),
                field(id: "broadcast-camera", label: "Camera", options: []),
                field(id: "broadcast-microphone", label: "Microphone", options: []),
                .div(
                    .class("row"),
                    .button(.type(.button), .class("btn btn-primary"), .attr("data-broadcast-toggle", ""), .attr("disabled", ""), .text("Go live")),
                    .p(.class("muted"), .attr("data-broadcast-status", ""), .attr("role", "status"), .text("Asking for your camera…"))
                )
            ),
            .section(
                .class("panel"), .attr("aria-labelledby", "broadcast-health-heading"),
                .h2(.id("broadcast-health-heading"), .text("Stream health")),
                DashboardStreamTab.health(model.health)
            )
        )
    }

    private static func field(id: String, label: String, options: [(String, String)]) -> Node<HTML.BodyContext> {
        .div(
            .class("field"),
            .label(.attr("for", id), .text(label)),
            .element(named: "select", nodes: [.id(id)] + options.map { value, text in
                .element(named: "option", nodes: [.attr("value", value), .text(text)])
            })
        )
    }
}
