import Plot
import Vapor

/// `/settings`: the signed-in user's bio and avatar.
enum SettingsPageView {
    static func render(user: User, notice: String?, context: PageContext) -> HTML {
        Layout(title: "Settings", context: context, main: .div(
            .class("panel narrow settings"),
            .h1(.text("Settings")),
            .unwrap(notice) { text in .p(.class("form-error"), .attr("role", "alert"), .id("settings-notice"), .safe(text)) },
            .form(
                .attr("action", SiteURL.settings.path + "/avatar"), .method(.post), .attr("enctype", "multipart/form-data"),
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
                .attr("action", SiteURL.settings.path + "/profile"), .method(.post), .class("stack"),
                CSRFField.node(context.csrfToken),
                .div(
                    .class("field"),
                    .label(.attr("for", "bio"), .text("Bio")),
                    .textarea(.attr("id", "bio"), .attr("name", "bio"), .attr("rows", "4"), .attr("maxlength", String(MeAPIController.bioLimit)),
                              .safe(user.bio)),
                    .p(.class("help"), .text("Shown in the About section of your channel. At most \(MeAPIController.bioLimit) characters."))
                ),
                .button(.type(.submit), .class("btn btn-primary"), .text("Save bio"))
            )
        )).render()
    }
}

enum SettingsController {
    struct ProfileForm: Content {
        var bio: String
    }

    @Sendable static func show(request: Request) async throws -> Response {
        guard let user = request.currentUser else {
            return request.redirect(to: SiteURL.signIn.path + "?returnTo=" + SiteURL.settings.path)
        }
        return try await page(user, notice: nil, status: .ok, on: request)
    }

    @Sendable static func updateProfile(request: Request) async throws -> Response {
        let user = try request.requireUser()
        let form = try request.content.decode(ProfileForm.self)
        do {
            try await MeAPIController.apply(bio: form.bio, to: user, on: request.db)
        } catch let error as APIError {
            return try await page(user, notice: error.message, status: error.status, on: request)
        }
        return request.redirect(to: SiteURL.settings.path, redirectType: .normal)
    }

    @Sendable static func uploadAvatar(request: Request) async throws -> Response {
        let user = try request.requireUser()
        do {
            let upload = try request.content.decode(ImageForm.self)
            _ = try await UploadsAPIController.replaceAvatar(of: user, with: upload.image.data, on: request)
        } catch let error as APIError {
            return try await page(user, notice: error.message, status: error.status, on: request)
        }
        return request.redirect(to: SiteURL.settings.path, redirectType: .normal)
    }

    private static func page(_ user: User, notice: String?, status: HTTPResponseStatus, on request: Request) async throws -> Response {
        let response = try await SettingsPageView.render(user: user, notice: notice, context: PageContext.load(request)).encodeResponse(for: request)
        response.status = status
        return response
    }
}
