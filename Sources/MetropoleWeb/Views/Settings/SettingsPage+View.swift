import Plot
import Vapor

/// `/settings`: the signed-in user's bio, avatar and streaming provider.
enum SettingsPageView {
    struct ProviderChoice: Sendable {
        var id: String
        var name: String
        var protocols: [String]
    }

    static func render(user: User, providers: [ProviderChoice], notice: String?, context: PageContext) -> HTML {
        Layout(title: "Settings", context: context, main: .div(
            .class("panel narrow settings"),
            .h1(.text("Settings")),
            .unwrap(notice) { text in .p(.class("form-error"), .attr("role", "alert"), .id("settings-notice"), .safe(text)) },
            .form(
                .attr("action", SiteURL.settingsAction(.avatar).path), .method(.post), .attr("enctype", "multipart/form-data"),
                .class("stack"), .attr("data-avatar-form", ""),
                CSRFField.node(context.csrfToken),
                .div(
                    .class("field"),
                    .label(.attr("for", "avatar"), .text("Avatar")),
                    .div(.class("avatar-preview"), Avatar.node(username: user.username, size: 64, imageURL: user.avatar.map { SiteURL.avatar($0).path })),
                    .input(.attr("id", "avatar"), .attr("name", "image"), .attr("type", "file"), .attr("accept", "image/png,image/jpeg,image/webp")),
                    .p(.class("help"), .text("PNG, JPEG or WebP, at most 4 MiB.")),
                    .p(.class("field-error"), .id("avatar-error"), .attr("role", "alert"), .hidden(true))
                ),
                .button(.type(.submit), .class("btn btn-secondary"), .text("Upload avatar"))
            ),
            .form(
                .attr("action", SiteURL.settingsAction(.profile).path), .method(.post), .class("stack"),
                CSRFField.node(context.csrfToken),
                .div(
                    .class("field"),
                    .label(.attr("for", "bio"), .text("Bio")),
                    .textarea(.attr("id", "bio"), .attr("name", "bio"), .attr("rows", "4"), .attr("maxlength", String(Profiles.bioLimit)),
                              .safe(user.bio)),
                    .p(.class("help"), .text("Shown in the About section of your channel. At most \(Profiles.bioLimit) characters."))
                ),
                .button(.type(.submit), .class("btn btn-primary"), .text("Save bio"))
            ),
            .if(providers.count > 1, .form(
                .attr("action", SiteURL.settingsAction(.provider).path), .method(.post), .class("stack"),
                CSRFField.node(context.csrfToken),
                .div(
                    .class("field"),
                    .label(.attr("for", "provider"), .text("Streaming provider")),
                    .element(named: "select", nodes: [.attr("id", "provider"), .attr("name", "provider")] + providers.map { choice in
                        .element(named: "option", nodes: [
                            .attr("value", choice.id),
                            .if(choice.id == (user.preferredProvider ?? ProviderDefinition.builtin.id),
                                .attribute(named: "selected", value: nil, ignoreIfValueIsEmpty: false)),
                            .text("\(choice.name) (\(choice.protocols.joined(separator: ", ").uppercased()))"),
                        ])
                    }),
                    .p(.class("help"), .text("The media server your streams go through. Your key and the Keys page follow it; "
                        + "switching ends a stream in progress."))
                ),
                .button(.type(.submit), .class("btn btn-secondary"), .text("Save provider"))
            ))
        )).render()
    }
}
