import Foundation
import Plot

/// `/admin`: live streams (end), users (search, suspend with a reason, unsuspend), audit log.
enum AdminPageView {
    static func render(_ model: AdminPageModel, context: PageContext) -> HTML {
        Layout(title: "Admin", context: context, main: .div(
            .class("panel admin"),
            .h1(.text("Admin")),
            .unwrap(model.notice) { text in .p(.class("form-error"), .attr("role", "alert"), .id("admin-notice"), .safe(text)) },
            .h2(.text("Live now")),
            streams(model.streams, csrf: context.csrfToken),
            .h2(.text("Users")),
            .form(
                .attr("action", SiteURL.admin(search: nil).path), .method(.get), .class("inline-form"),
                .input(.attr("type", "search"), .attr("name", "q"), .attr("aria-label", "Search users"),
                       .attr("value", model.search ?? ""), .attr("placeholder", "Username")),
                .button(.type(.submit), .class("btn btn-secondary"), .text("Search"))
            ),
            users(model.users, csrf: context.csrfToken),
            .h2(.text("Audit log")),
            audit(model.audit)
        )).render()
    }

    private static func streams(_ streams: [Administration.LiveStream], csrf: String) -> Node<HTML.BodyContext> {
        guard !streams.isEmpty else { return .p(.class("muted"), .text("Nobody is live.")) }
        return .table(
            .class("admin-table"), .id("admin-streams"),
            .tr(.th(.text("Channel")), .th(.text("Title")), .th(.text("Ingest")), .th(.text("Viewers")), .th()),
            .forEach(streams) { stream in
                .tr(
                    .td(.a(.href(SiteURL.channel(stream.username).path), .safe(stream.username))),
                    .td(.safe(stream.title)),
                    .td(.text([stream.ingestProtocol?.uppercased(), stream.provider].compactMap { $0 }.joined(separator: " · "))),
                    .td(.text(String(stream.viewerCount))),
                    .td(.form(
                        .action(SiteURL.adminAction(.endStream(stream.username)).path), .method(.post),
                        CSRFField.node(csrf),
                        .button(.type(.submit), .class("btn btn-danger"), .text("End stream"))
                    ))
                )
            }
        )
    }

    private static func users(_ users: [AdminAPIController.AdminUserDTO], csrf: String) -> Node<HTML.BodyContext> {
        guard !users.isEmpty else { return .p(.class("muted"), .text("No users match.")) }
        return .table(
            .class("admin-table"), .id("admin-users"),
            .tr(.th(.text("User")), .th(.text("Role")), .th(.text("Status")), .th()),
            .forEach(users) { user in
                .tr(
                    .attr("data-username", user.username),
                    .td(.safe(user.username)),
                    .td(.text(user.role)),
                    .td(.text(user.suspendedAt == nil ? (user.isLive ? "live" : "active") : "suspended: \(user.suspensionReason ?? "")")),
                    .td(user.suspendedAt == nil
                        ? .form(
                            .action(SiteURL.adminAction(.suspend(user.username)).path), .method(.post), .class("inline-form"),
                            CSRFField.node(csrf),
                            .input(.attr("name", "reason"), .attr("required", "required"), .attr("maxlength", "500"),
                                   .attr("aria-label", "Reason"), .attr("placeholder", "Reason")),
                            .button(.type(.submit), .class("btn btn-danger"), .text("Suspend"))
                        )
                        : .form(
                            .action(SiteURL.adminAction(.unsuspend(user.username)).path), .method(.post),
                            CSRFField.node(csrf),
                            .button(.type(.submit), .class("btn btn-secondary"), .text("Unsuspend"))
                        ))
                )
            }
        )
    }

    private static func audit(_ entries: [AdminAPIController.AuditEntryDTO]) -> Node<HTML.BodyContext> {
        guard !entries.isEmpty else { return .p(.class("muted"), .text("No admin actions yet.")) }
        return .table(
            .class("admin-table"), .id("admin-audit"),
            .tr(.th(.text("When")), .th(.text("Admin")), .th(.text("Action")), .th(.text("User")), .th(.text("Reason"))),
            .forEach(entries) { entry in
                .tr(
                    .td(.text(ISO8601DateFormatter().string(from: entry.at))),
                    .td(.safe(entry.admin)), .td(.text(entry.action)), .td(.safe(entry.target)), .td(.safe(entry.reason ?? ""))
                )
            }
        )
    }
}
