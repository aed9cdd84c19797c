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
                     on request: Request) async throws -> Response {
        let model = try await DashboardPageModel.load(owner: user, tab: tab, notice: notice, on: request)
        let response = try await DashboardPageView.render(model, context: PageContext.load(request)).encodeResponse(for: request)
        response.status = status
        return response
    }

    private static func back(_ request: Request, _ user: User, _ tab: DashboardPageModel.Tab) -> Response {
        let path = SiteURL.dashboard(user.username).path + (tab == .stream ? "" : "/\(tab.rawValue)")
        return request.redirect(to: path, redirectType: .normal)
    }

    @Sendable static func regenerateKey(request: Request) async throws -> Response {
        let user = try requireOwner(request)
        _ = try await IngressAPIController.create(request: request, user: user, protocol: "rtmp")
        return back(request, user, .keys)
    }

    @Sendable static func deleteKey(request: Request) async throws -> Response {
        let user = try requireOwner(request)
        try await IngressAPIController.delete(request: request, user: user)
        return back(request, user, .keys)
    }

    @Sendable static func updateStream(request: Request) async throws -> Response {
        let user = try requireOwner(request)
        let update = try request.content.decode(StreamSettingsUpdate.self)
        let stream = try await IngressAPIController.ownStream(of: user, on: request.db)
        do {
            try await StreamSettingsAPI.apply(update, to: stream, on: request)
        } catch let error as APIError {
            return try await page(user, tab: update.title == nil ? .chat : .stream, notice: error.message, status: error.status, on: request)
        }
        return back(request, user, update.title == nil ? .chat : .stream)
    }

    @Sendable static func uploadThumbnail(request: Request) async throws -> Response {
        let user = try requireOwner(request)
        do {
            let upload = try request.content.decode(ImageForm.self)
            _ = try await UploadsAPIController.replaceThumbnail(of: user, with: upload.image.data, on: request)
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

    @Sendable static func health(request: Request) async throws -> StreamHealthDTO {
        let stream = try await IngressAPIController.ownStream(of: request.requireUser(), on: request.db)
        let directory = request.application.live.directory
        return StreamHealthDTO(live: directory.entry(streamID: try stream.requireID()), viewers: directory.viewers)
    }
}

/// A multipart form with one picture in the `image` field.
struct ImageForm: Content {
    var image: File
}

/// `PATCH /me/stream`.
enum StreamSettingsAPI {
    struct StreamEnvelope: Content {
        var stream: StreamsAPIController.StreamDTO
    }

    @Sendable static func update(request: Request) async throws -> StreamEnvelope {
        let user = try request.requireUser()
        let update = try request.content.decode(StreamSettingsUpdate.self)
        let stream = try await IngressAPIController.ownStream(of: user, on: request.db)
        try await apply(update, to: stream, on: request)
        stream.$user.value = user
        return StreamEnvelope(stream: StreamsAPIController.detail(stream, request: request))
    }

    static func apply(_ update: StreamSettingsUpdate, to stream: Stream, on request: Request) async throws {
        try await update.apply(to: stream, on: request.db)
        request.application.listings.invalidate()
        request.application.streamSettingsObservers.notify(stream)
    }
}
