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
        app.get("favicon.ico") { request in request.redirect(to: request.application.assets.url("/img/favicon.svg")) }
    }

    // playback
    do {
        app.get(SiteURL.liveSocket("").routeComponents.pathComponents, use: PlaybackController.socket)
        app.get(SiteURL.livePlaylist("").routeComponents.pathComponents, use: PlaybackController.playlist)
        app.get("live", ":username", ":file", use: PlaybackController.resource)
    }

    // dashboard
    do {
        let dashboard = SiteURL.dashboard("").routeComponents.pathComponents
        app.get(dashboard, use: DashboardController.show)
        app.post(dashboard + ["keys"], use: DashboardController.regenerateKey)
        app.post(dashboard + ["keys", "delete"], use: DashboardController.deleteKey)
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
        api.patch("me", "stream", use: StreamSettingsAPIController.update)
        api.post("me", "kicks", ":username", use: KicksAPIController.create)
    }

    // channel pages last: `/{username}` matches any single segment
    app.get(SiteURL.channel("").routeComponents.pathComponents, use: ChannelController.show)
}

extension Array where Element == String {
    var pathComponents: [PathComponent] { map { PathComponent(stringLiteral: $0) } }
}

extension Array where Element == PathComponent {
    static func + (lhs: [PathComponent], rhs: [String]) -> [PathComponent] { lhs + rhs.pathComponents }
}
