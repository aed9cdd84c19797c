import Vapor

func routes(_ app: Application) throws {
    // health
    app.get("healthz") { _ in "ok" }

    // pages
    do {
        app.get(SiteURL.home.routeComponents.pathComponents, use: HomeController.show)
        app.get(SiteURL.signUp.routeComponents.pathComponents, use: AuthPagesController.signUpForm)
        app.post(SiteURL.signUp.routeComponents.pathComponents, use: AuthPagesController.signUp)
        app.get(SiteURL.signIn.routeComponents.pathComponents, use: AuthPagesController.signInForm)
        app.post(SiteURL.signIn.routeComponents.pathComponents, use: AuthPagesController.signIn)
        app.post(SiteURL.signOut.routeComponents.pathComponents, use: AuthPagesController.signOut)
        app.get(SiteURL.search(term: nil).routeComponents.pathComponents, use: SearchController.show)
        app.post(SiteURL.layout.routeComponents.pathComponents, use: LayoutController.toggle)
        app.get("favicon.ico") { request in request.redirect(to: request.application.assets.url("/img/favicon.svg")) }
    }

    // playback
    do {
        app.get(SiteURL.liveSocket("").routeComponents.pathComponents, use: PlaybackController.socket)
        app.get(SiteURL.livePlaylist("").routeComponents.pathComponents, use: PlaybackController.playlist)
        app.get("live", ":username", ":file", use: PlaybackController.resource)
    }

    // dashboard and settings
    do {
        let dashboard = SiteURL.dashboard("").routeComponents.pathComponents
        app.get(dashboard, use: DashboardController.show)
        app.get(dashboard + [":tab"], use: DashboardController.show)
        app.post(dashboard + ["keys"], use: DashboardController.regenerateKey)
        app.post(dashboard + ["keys", "delete"], use: DashboardController.deleteKey)
        app.post(dashboard + ["stream"], use: DashboardController.updateStream)
        app.post(dashboard + ["chat"], use: DashboardController.updateStream)
        app.on(.POST, dashboard + ["thumbnail"], body: .collect(maxSize: "5mb"), use: DashboardController.uploadThumbnail)
        app.post(dashboard + ["blocked", ":target", "unblock"], use: DashboardController.unblock)
        app.get(SiteURL.settings.routeComponents.pathComponents, use: SettingsController.show)
        app.post(SiteURL.settings.routeComponents.pathComponents + ["profile"], use: SettingsController.updateProfile)
        app.on(.POST, SiteURL.settings.routeComponents.pathComponents + ["avatar"], body: .collect(maxSize: "5mb"),
               use: SettingsController.uploadAvatar)
        app.get(SiteURL.avatar("").routeComponents.pathComponents, use: ImageUpload.serve(.avatars))
        app.get(SiteURL.thumbnail("").routeComponents.pathComponents, use: ImageUpload.serve(.thumbnails))
        app.get("partials", "sidebar", use: SocialPagesController.sidebar)
    }

    // JSON API
    let api = app.grouped("api", "v1")
    do { // accounts
        api.post("users", use: UsersAPIController.create)
        api.get("users", ":username", use: UsersAPIController.show)
        api.post("sessions", use: SessionsAPIController.create)
        api.delete("sessions", "current", use: SessionsAPIController.deleteCurrent)
        api.get("me", use: MeAPIController.show)
        api.patch("me", use: MeAPIController.update)
    }
    do { // following and blocking
        api.put("me", "following", ":username", use: SocialAPIController.follow)
        api.delete("me", "following", ":username", use: SocialAPIController.unfollow)
        api.get("me", "following", use: SocialAPIController.following)
        api.put("me", "blocked", ":username", use: SocialAPIController.block)
        api.delete("me", "blocked", ":username", use: SocialAPIController.unblock)
        api.get("me", "blocked", use: SocialAPIController.blocked)
    }
    do { // uploads and stream settings
        api.on(.PUT, "me", "stream", "thumbnail", body: .stream, use: UploadsAPIController.putThumbnail)
        api.on(.PUT, "me", "avatar", body: .stream, use: UploadsAPIController.putAvatar)
        api.patch("me", "stream", use: StreamSettingsAPI.update)
    }
    do { // streams and ingest
        api.get("streams", use: StreamsAPIController.list)
        api.get("streams", ":username", use: StreamsAPIController.show)
        api.post("me", "ingress", use: IngressAPIController.create)
        api.get("me", "ingress", use: IngressAPIController.show)
        api.delete("me", "ingress", use: IngressAPIController.delete)
        api.get("me", "stream", "health", use: DashboardController.health)
        api.get("events", use: EventsController.stream)
    }
    do { // chat and moderation
        api.get("streams", ":username", "chat", use: ChatAPIController.socket)
        api.get("streams", ":username", "chatters", use: ChatAPIController.chatters)
        api.post("me", "kicks", ":username", use: KicksAPIController.create)
    }

    // channel pages last: `/{username}` matches any single segment
    let channel = SiteURL.channel("").routeComponents.pathComponents
    app.get(channel, use: ChannelController.show)
    app.post(channel + ["follow"], use: SocialPagesController.follow)
    app.post(channel + ["unfollow"], use: SocialPagesController.unfollow)
    app.post(channel + ["block"], use: SocialPagesController.block)
}

extension Array where Element == String {
    var pathComponents: [PathComponent] { map { PathComponent(stringLiteral: $0) } }
}

extension Array where Element == PathComponent {
    static func + (lhs: [PathComponent], rhs: [String]) -> [PathComponent] { lhs + rhs.pathComponents }
}
