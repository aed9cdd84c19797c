import Vapor

/// `/settings`: the signed-in user's bio and avatar (the form side of `PATCH /me` and
/// `PUT /me/avatar`).
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
            try await Profiles.setBio(form.bio, of: user, in: request.application)
        } catch let error as APIError {
            return try await page(user, notice: error.message, status: error.status, on: request)
        }
        return request.redirect(to: SiteURL.settings.path, redirectType: .normal)
    }

    @Sendable static func uploadAvatar(request: Request) async throws -> Response {
        let user = try request.requireUser()
        do {
            let upload = try request.content.decode(ImageForm.self)
            _ = try await Profiles.replaceAvatar(of: user, with: upload.image.data, in: request.application)
        } catch let error as APIError {
            return try await page(user, notice: error.message, status: error.status, on: request)
        }
        return request.redirect(to: SiteURL.settings.path, redirectType: .normal)
    }

    struct ProviderForm: Content {
        var provider: String
    }

    @Sendable static func updateProvider(request: Request) async throws -> Response {
        let user = try request.requireUser()
        let form = try request.content.decode(ProviderForm.self)
        do {
            try await Ingress.choose(form.provider, for: user, in: request.application)
        } catch let error as APIError {
            return try await page(user, notice: error.message, status: error.status, on: request)
        }
        return request.redirect(to: SiteURL.settings.path, redirectType: .normal)
    }

    private static func page(_ user: User, notice: String?, status: HTTPResponseStatus, on request: Request) async throws -> Response {
        let providers = request.application.providers.all.map { provider in
            SettingsPageView.ProviderChoice(id: provider.id, name: provider.definition.name, protocols: provider.protocols.map(\.rawValue))
        }
        let response = try await SettingsPageView.render(user: user, providers: providers, notice: notice, context: PageContext.load(request))
            .encodeResponse(for: request)
        response.status = status
        return response
    }
}
