import Vapor

func routes(_ app: Application) throws {
    func path(_ url: SiteURL) -> [PathComponent] { url.routeComponents.map { PathComponent(stringLiteral: $0) } }
    func api(_ route: SiteURL.API) -> [PathComponent] { path(.api(route)) }

    // health and metrics
    app.get(path(.healthz)) { _ in "ok" }
    app.get(path(.metrics), use: MetricsController.show)

    // playback
    do {
        app.get(path(.liveSocket("")), use: PlaybackController.socket)
        app.get(path(.liveThumbnail("")), use: PlaybackController.thumbnail)
        app.get(path(.livePlaylist("")), use: PlaybackController.playlist)
        app.get(path(.liveResource("", broadcast: "", file: "")), use: PlaybackController.resource)
        app.get(path(.vodFile("", file: "")), use: VODController.file)
    }

    do { // WHIP ingest
        let whip = app.grouped(WHIPCORSMiddleware())
        whip.post(api(.whip), use: WHIPController.publish)
        whip.on(.OPTIONS, api(.whip), use: WHIPController.options)
        whip.delete(api(.whipSession("")), use: WHIPController.end)
        whip.patch(api(.whipSession("")), use: WHIPController.patch)
        whip.on(.OPTIONS, api(.whipSession("")), use: WHIPController.options)
    }

    // An ingest node serves media only: pages, the API and chat are the web nodes'.
    guard app.metropole.role.servesSite else { return }

    // pages
    do {
        app.get(path(.home), use: HomeController.show)
        app.get(path(.signUp), use: AuthPagesController.signUpForm)
        app.post(path(.signUp), use: AuthPagesController.signUp)
        app.get(path(.signIn), use: AuthPagesController.signInForm)
        app.post(path(.signIn), use: AuthPagesController.signIn)
        app.post(path(.signOut), use: AuthPagesController.signOut)
        app.get(path(.oidcSignIn), use: OIDCController.start)
        app.get(path(.oidcCallback), use: OIDCController.callback)
        app.get(path(.search(term: nil)), use: SearchController.show)
        app.post(path(.layout), use: LayoutController.toggle)
        app.get(path(.favicon)) { request in request.redirect(to: request.application.assets.url("/img/favicon.svg")) }
        app.get(path(.sidebarPartial), use: SocialPagesController.sidebar)
        app.get(path(.avatar("")), use: ImageUpload.serve(.avatars))
        app.get(path(.thumbnail("")), use: ImageUpload.serve(.thumbnails))
    }

    // dashboard and settings
    do {
        app.get(path(.dashboard("")), use: DashboardController.show)
        app.get(path(.dashboard("", .keys)), use: DashboardController.show)
        app.post(path(.dashboardAction("", .regenerateKey)), use: DashboardController.regenerateKey)
        app.post(path(.dashboardAction("", .deleteKey)), use: DashboardController.deleteKey)
        app.post(path(.dashboardAction("", .stream)), use: DashboardController.updateStream)
        app.post(path(.dashboardAction("", .chat)), use: DashboardController.updateStream)
        app.route(.POST, SiteURL.dashboardAction("", .thumbnail).routeComponents, bodyLimit: ImageUpload.maximumFormBytes,
                  use: DashboardController.uploadThumbnail)
        app.post(path(.dashboardAction("", .unblock(""))), use: DashboardController.unblock)
        app.post(path(.dashboardAction("", .recording)), use: VideoPagesController.updateRecording)
        app.post(path(.dashboardAction("", .createWebhook)), use: DashboardController.createWebhook)
        app.post(path(.dashboardAction("", .deleteWebhook(""))), use: DashboardController.deleteWebhook)
        app.post(path(.dashboardAction("", .testWebhook(""))), use: DashboardController.testWebhook)
        app.get(path(.settings), use: SettingsController.show)
        app.post(path(.settingsAction(.profile)), use: SettingsController.updateProfile)
        app.post(path(.settingsAction(.provider)), use: SettingsController.updateProvider)
        app.route(.POST, SiteURL.settingsAction(.avatar).routeComponents, bodyLimit: ImageUpload.maximumFormBytes,
                  use: SettingsController.uploadAvatar)
    }

    // administration
    do {
        app.get(path(.admin(search: nil)), use: AdminController.show)
        app.post(path(.adminAction(.endStream(""))), use: AdminController.endStream)
        app.post(path(.adminAction(.suspend(""))), use: AdminController.suspend)
        app.post(path(.adminAction(.unsuspend(""))), use: AdminController.unsuspend)
    }

    // JSON API
    do { // accounts
        app.post(api(.users), use: UsersAPIController.create)
        app.get(api(.user("")), use: UsersAPIController.show)
        app.post(api(.sessions), use: SessionsAPIController.create)
        app.delete(api(.currentSession), use: SessionsAPIController.deleteCurrent)
        app.get(api(.me), use: MeAPIController.show)
        app.patch(api(.me), use: MeAPIController.update)
    }
    do { // following and blocking
        app.put(api(.following("")), use: SocialAPIController.follow)
        app.delete(api(.following("")), use: SocialAPIController.unfollow)
        app.get(api(.following(nil)), use: SocialAPIController.following)
        app.put(api(.blocked("")), use: SocialAPIController.block)
        app.delete(api(.blocked("")), use: SocialAPIController.unblock)
        app.get(api(.blocked(nil)), use: SocialAPIController.blocked)
    }
    do { // uploads and stream settings
        app.route(.PUT, SiteURL.api(.ownThumbnail).routeComponents, bodyLimit: ImageUpload.maximumBytes, use: UploadsAPIController.putThumbnail)
        app.route(.PUT, SiteURL.api(.ownAvatar).routeComponents, bodyLimit: ImageUpload.maximumBytes, use: UploadsAPIController.putAvatar)
        app.patch(api(.ownStream), use: StreamsAPIController.update)
    }
    do { // streams and ingest
        app.get(api(.streams), use: StreamsAPIController.list)
        app.get(api(.stream("")), use: StreamsAPIController.show)
        app.post(api(.ingress), use: IngressAPIController.create)
        app.get(api(.ingress), use: IngressAPIController.show)
        app.delete(api(.ingress), use: IngressAPIController.delete)
        app.get(api(.ownStreamHealth), use: DashboardController.health)
        app.get(api(.events), use: EventsController.stream)
    }
    do { // streaming providers
        app.get(api(.providers), use: ProvidersAPIController.list)
        app.post(api(.providerHook("", "")), use: ProvidersAPIController.hook)
        app.get(api(.providerHook("", "")), use: ProvidersAPIController.hook)
    }
    do { // user sync from an identity provider
        app.post(api(.userWebhooks), use: UserWebhooksAPIController.receive)
    }
    do { // outbound webhooks
        app.get(api(.webhooks), use: WebhooksAPIController.list)
        app.post(api(.webhooks), use: WebhooksAPIController.create)
        app.get(api(.webhook("")), use: WebhooksAPIController.show)
        app.patch(api(.webhook("")), use: WebhooksAPIController.update)
        app.delete(api(.webhook("")), use: WebhooksAPIController.delete)
        app.post(api(.webhookTest("")), use: WebhooksAPIController.test)
    }
    do { // chat and moderation
        app.get(api(.chat("")), use: ChatAPIController.socket)
        app.get(api(.chatters("")), use: ChatAPIController.chatters)
        app.post(api(.kicks("")), use: KicksAPIController.create)
    }
    do { // administration
        app.get(api(.adminStreams), use: AdminAPIController.streams)
        app.post(api(.adminEndStream("")), use: AdminAPIController.endStream)
        app.get(api(.adminUsers), use: AdminAPIController.users)
        app.put(api(.adminSuspension("")), use: AdminAPIController.suspend)
        app.delete(api(.adminSuspension("")), use: AdminAPIController.unsuspend)
        app.get(api(.adminAudit), use: AdminAPIController.audit)
        app.get(api(.adminNodes), use: AdminAPIController.nodes)
    }
    do { // recorded broadcasts
        app.get(api(.channelVideos("")), use: VideosAPIController.list)
        app.get(api(.video("")), use: VideosAPIController.show)
        app.patch(api(.ownVideo("")), use: VideosAPIController.rename)
        app.delete(api(.ownVideo("")), use: VideosAPIController.delete)
    }
    app.get(api(.openAPI), use: OpenAPIController.show)

    // channel pages last: `/{username}` matches any single segment
    app.get(path(.channel("")), use: ChannelController.show)
    app.get(path(.channelVideos("")), use: VideoPagesController.list)
    app.get(path(.video("", id: "")), use: VideoPagesController.watch)
    app.post(path(.videoAction("", id: "", .rename)), use: VideoPagesController.rename)
    app.post(path(.videoAction("", id: "", .delete)), use: VideoPagesController.delete)
    for action in SiteURL.ChannelAction.allCases {
        app.post(path(.channelAction("", action)), use: SocialPagesController.handler(for: action))
    }
}
