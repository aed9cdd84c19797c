import Vapor

/// The channel's Videos tab, a video's watch page, and the owner's forms (rename, delete, the
/// recording switch on the dashboard). Not cached for guests: a rename or delete shows at once.
enum VideoPagesController {
    @Sendable static func list(request: Request) async throws -> Response {
        let model = try await ChannelVideosModel.load(username: request.parameters.get("username") ?? "", on: request)
        return try await ChannelVideosView.render(model, context: PageContext.load(request)).encodeResponse(for: request)
    }

    @Sendable static func watch(request: Request) async throws -> Response {
        let model = try await WatchPageModel.load(username: request.parameters.get("username") ?? "",
                                                  videoID: request.parameters.get("video"), on: request)
        return try await WatchPageView.render(model, context: PageContext.load(request)).encodeResponse(for: request)
    }

    struct VideoForm: Content {
        var title: String?
        var back: String?
    }

    @Sendable static func rename(request: Request) async throws -> Response {
        let user = try DashboardController.requireOwner(request)
        let video = try await VideoDirectory.ownVideo(request.parameters.get("video"), of: user, on: request.db)
        let form = try request.content.decode(VideoForm.self)
        do {
            try await VideoDirectory.rename(video, to: form.title ?? "", on: request.db)
        } catch let error as APIError {
            let model = try await WatchPageModel.load(username: user.username, videoID: request.parameters.get("video"),
                                                      notice: error.message, on: request)
            let response = try await WatchPageView.render(model, context: PageContext.load(request)).encodeResponse(for: request)
            response.status = error.status
            return response
        }
        return back(request, form, user: user, videoID: try video.requireID().uuidString.lowercased())
    }

    @Sendable static func delete(request: Request) async throws -> Response {
        let user = try DashboardController.requireOwner(request)
        let video = try await VideoDirectory.ownVideo(request.parameters.get("video"), of: user, on: request.db)
        try await request.application.recordings.delete(video)
        let form = try? request.content.decode(VideoForm.self)
        return request.redirect(to: form?.back == VideoOwnerForms.Back.dashboard.rawValue
            ? SiteURL.dashboard(user.username, .videos).path : SiteURL.channelVideos(user.username).path, redirectType: .normal)
    }

    struct RecordingForm: Content {
        var record: Bool?
    }

    /// The dashboard's "Record broadcasts" switch (applies from the next broadcast).
    @Sendable static func updateRecording(request: Request) async throws -> Response {
        let user = try DashboardController.requireOwner(request)
        let form = try request.content.decode(RecordingForm.self)
        let stream = try await Channels.ownStream(of: user, on: request.db)
        try await Channels.update(stream, with: StreamSettingsUpdate(record: form.record ?? false), in: request.application)
        return request.redirect(to: SiteURL.dashboard(user.username, .videos).path, redirectType: .normal)
    }

    private static func back(_ request: Request, _ form: VideoForm, user: User, videoID: String) -> Response {
        request.redirect(to: form.back == VideoOwnerForms.Back.dashboard.rawValue
            ? SiteURL.dashboard(user.username, .videos).path : SiteURL.video(user.username, id: videoID).path, redirectType: .normal)
    }
}
