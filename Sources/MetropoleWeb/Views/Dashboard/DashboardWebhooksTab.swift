import Foundation
import Plot

/// The Webhooks tab: the creator's endpoints, adding one (its secret shown once), deleting,
/// sending a test event, and each endpoint's newest deliveries with their status.
enum DashboardWebhooksTab {
    static func node(_ model: DashboardPageModel, context: PageContext) -> Node<HTML.BodyContext> {
        .div(
            .class("stack webhooks"),
            .unwrap(model.newWebhookSecret) { secret in
                .section(
                    .class("panel narrow"), .id("new-webhook"), .attr("aria-labelledby", "new-webhook-heading"),
                    .h2(.id("new-webhook-heading"), .text("Webhook added")),
                    .p(.text("Copy its signing secret now: it is shown only this once.")),
                    .div(
                        .class("field"),
                        .label(.attr("for", "webhook-secret"), .text("Signing secret")),
                        .div(
                            .class("copy-field"),
                            .input(.attr("id", "webhook-secret"), .attr("type", "text"), .attr("value", secret),
                                   .attr("readonly", "readonly"), .attr("spellcheck", "false"), .attr("autocomplete", "off")),
                            .button(.type(.button), .class("btn btn-secondary"), .attr("data-copy", "webhook-secret"), .text("Copy"))
                        ),
                        .p(.class("help"), .text("Verify each delivery's webhook-signature with it (Standard Webhooks)."))
                    )
                )
            },
            .section(
                .class("panel narrow"), .attr("aria-labelledby", "webhooks-heading"),
                .h2(.id("webhooks-heading"), .text("Webhooks")),
                .p(.class("muted"), .text("Metropole POSTs a signed JSON event to each URL when something happens on your channel.")),
                model.webhooks.isEmpty
                    ? .p(.class("muted"), .id("no-webhooks"), .text("No webhooks yet. Add one below to hear when you go live."))
                    : .ul(.class("webhook-list"), .forEach(model.webhooks) { endpoint($0, model: model, context: context) }),
                addForm(model, context: context)
            )
        )
    }

    private static func endpoint(_ hook: DashboardWebhook, model: DashboardPageModel, context: PageContext) -> Node<HTML.ListContext> {
        .li(
            .class("webhook-item"), .attr("data-webhook", hook.id),
            .div(.class("webhook-head"),
                 .element(named: "code", nodes: [.class("webhook-url"), .safe(hook.url)]),
                 .span(.class("muted"), .safe(hook.events.joined(separator: ", ")))),
            .div(
                .class("row"),
                DashboardPageView.postForm(action: SiteURL.dashboardAction(model.username, .testWebhook(hook.id)).path,
                                           label: "Send test event", style: "btn btn-secondary", csrf: context.csrfToken),
                DashboardPageView.postForm(action: SiteURL.dashboardAction(model.username, .deleteWebhook(hook.id)).path,
                                           label: "Delete", style: "btn btn-ghost", confirm: "Delete this webhook and its queued deliveries?",
                                           csrf: context.csrfToken)
            ),
            hook.deliveries.isEmpty
                ? .p(.class("muted"), .text("No deliveries yet."))
                : .table(
                    .class("deliveries"),
                    .thead(.tr(.th(.text("Event")), .th(.text("Status")), .th(.text("Attempts")), .th(.text("Last answer")), .th(.text("Queued")))),
                    .tbody(.forEach(hook.deliveries) { delivery in
                        .tr(
                            .attr("data-delivery", delivery.id),
                            .td(.safe(delivery.type)),
                            .td(.span(.class("delivery-status is-\(delivery.status)"), .safe(delivery.status))),
                            .td(.class("tabular"), .text(String(delivery.attempts))),
                            .td(.safe(delivery.lastStatusCode.map(String.init) ?? delivery.lastError ?? "—")),
                            .td(.class("tabular"), .safe(timestamp(delivery.createdAt)))
                        )
                    })
                )
        )
    }

    private static func addForm(_ model: DashboardPageModel, context: PageContext) -> Node<HTML.BodyContext> {
        .form(
            .attr("action", SiteURL.dashboardAction(model.username, .createWebhook).path), .method(.post), .class("stack"), .id("add-webhook"),
            CSRFField.node(context.csrfToken),
            .h3(.text("Add a webhook")),
            .div(
                .class("field"),
                .label(.attr("for", "webhook-url"), .text("URL")),
                .input(.attr("id", "webhook-url"), .attr("name", "url"), .attr("type", "url"), .attr("required", "required"),
                       .attr("placeholder", "https://example.com/hooks/metropole")),
                .p(.class("help"), .text("A public http(s) address."))
            ),
            .element(named: "fieldset", nodes: [
                .class("field"),
                .element(named: "legend", text: "Events"),
                .forEach(model.webhookEvents) { event in
                    .label(
                        .class("webhook-event"),
                        .input(.attr("type", "checkbox"), .attr("name", "events[]"), .attr("value", event), .attr("checked", "checked")),
                        .text(" "), .element(named: "code", nodes: [.safe(event)])
                    )
                },
            ]),
            .button(.type(.submit), .class("btn btn-primary"), .text("Add webhook"))
        )
    }

    private static func timestamp(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withFullDate, .withTime, .withColonSeparatorInTime, .withSpaceBetweenDateAndTime]
        return formatter.string(from: date) + " UTC"
    }
}
