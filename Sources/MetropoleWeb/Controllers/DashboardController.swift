import Vapor

/// `/u/{username}[/tab]`: the owner's dashboard, and the form fallbacks of its API calls.
/// Guests are sent to sign in; anyone else is refused.
enum DashboardController {
    static func owner(_ request: Request) throws -> User? {
        guard let user = request.currentUser else { return nil }
        guard Username.key(user.username) == Username.key(request.parameters.get("username") ?? "") else {
            throw APIError.forbidden("Only the channel's owner can open its dashboard.")
        }
        return user
    }

    static func requireOwner(_ request: Request) throws -> User {
        guard let user = try owner(request) else { throw APIError.unauthorized }
        return user
    }

    @Sendable static func show(request: Request) async throws -> Response {
        guard let user = try owner(request) else {
            let back = request.url.path.addingPercentEncoding(withAllowedCharacters: .urlQueryValueAllowed) ?? "/"
            return request.redirect(to: SiteURL.signIn.path + "?returnTo=" + back)
        }
        guard let tab = DashboardPageModel.Tab(rawValue: request.parameters.get("tab") ?? "stream") else {
            throw APIError.notFound()
        }
        return try await page(user, tab: tab, on: request)
    }

    static func page(_ user: User, tab: DashboardPageModel.Tab, notice: String? = nil, status: HTTPResponseStatus = .ok,
                     newWebhookSecret: String? = nil, on request: Request) async throws -> Response {
        var model = try await DashboardPageModel.load(owner: user, tab: tab, notice: notice, on: request)
        model.newWebhookSecret = newWebhookSecret
        let response = try await DashboardPageView.render(model, context: PageContext.load(request)).encodeResponse(for: request)
        response.status = status
        return response
    }

    private static func back(_ request: Request, _ user: User, _ tab: DashboardPageModel.Tab) -> Response {
        return request.redirect(to: SiteURL.dashboard(user.username, tab).path, redirectType: .normal)
    }

    @Sendable static func regenerateKey(request: Request) async throws -> Response {
        let user = try requireOwner(request)
        _ = try await Ingress.regenerate(for: user, protocol: .rtmp, in: request.application)
        return back(request, user, .keys)
    }

    @Sendable static func deleteKey(request: Request) async throws -> Response {
        let user = try requireOwner(request)
        try await Ingress.remove(for: user, in: request.application)
        return back(request, user, .keys)
    }

    @Sendable static func updateStream(request: Request) async throws -> Response {
        let user = try requireOwner(request)
        let update = try request.content.decode(StreamSettingsUpdate.self)
        let stream = try await Channels.ownStream(of: user, on: request.db)
        // The Stream tab posts the title or the thumbnail choice; the Chat tab the rest.
        let tab: DashboardPageModel.Tab = update.title == nil && update.keepUploadedThumbnail == nil ? .chat : .stream
        do {
            try await Channels.update(stream, with: update, in: request.application)
        } catch let error as APIError {
            return try await page(user, tab: tab, notice: error.message, status: error.status, on: request)
        }
        return back(request, user, tab)
    }

    @Sendable static func uploadThumbnail(request: Request) async throws -> Response {
        let user = try requireOwner(request)
        do {
            let upload = try request.content.decode(ImageForm.self)
            _ = try await Channels.replaceThumbnail(of: user, with: upload.image.data, in: request.application)
        } catch let error as APIError {
            return try await page(user, tab: .stream, notice: error.message, status: error.status, on: request)
        }
        return back(request, user, .stream)
    }

    @Sendable static func unblock(request: Request) async throws -> Response {
        let user = try requireOwner(request)
        try await SocialGraph.unblock(SocialGraph.target(request, parameter: "target"), by: user, on: request.db)
        return back(request, user, .community)
    }

    struct WebhookForm: Content {
        var url: String?
        var events: [String]?
    }

    /// The Webhooks tab's form: on success the page shows the new secret, this once.
    @Sendable static func createWebhook(request: Request) async throws -> Response {
        let user = try requireOwner(request)
        let form = try request.content.decode(WebhookForm.self)
        do {
            let (_, secret) = try await request.application.webhooks.create(for: user, url: form.url, events: form.events)
            return try await page(user, tab: .webhooks, status: .created, newWebhookSecret: secret, on: request)
        } catch let error as APIError {
            return try await page(user, tab: .webhooks, notice: error.message, status: error.status, on: request)
        }
    }

    @Sendable static func deleteWebhook(request: Request) async throws -> Response {
        let user = try requireOwner(request)
        let webhooks = request.application.webhooks
        try await webhooks.delete(webhooks.endpoint(request.parameters.get("webhook"), of: user))
        return back(request, user, .webhooks)
    }

    @Sendable static func testWebhook(request: Request) async throws -> Response {
        let user = try requireOwner(request)
        let webhooks = request.application.webhooks
        try await webhooks.enqueueTest(to: webhooks.endpoint(request.parameters.get("webhook"), of: user))
        return back(request, user, .webhooks)
    }

    @Sendable static func health(request: Request) async throws -> StreamHealthDTO {
        let owner = try request.requireUser()
        let stream = try await Channels.ownStream(of: owner, on: request.db)
        let live = request.application.live, id = try stream.requireID()
        var health = StreamHealthDTO(live: live.directory.entry(streamID: id), external: await live.external.session(streamID: id),
                                     viewers: live.directory.viewers)
        let recording = try await DashboardRecording.load(stream, owner: owner, withVideos: false, in: request)
        health.recording = recording.state.rawValue
        health.recordingPausedReason = recording.pauseReason
        return health
    }
}

/// A multipart form with one picture in the `image` field.
struct ImageForm: Content {
    var image: File
}
