import ServiceLifecycle
import Vapor

/// Every long-running piece of the process, in the order they start: they stop in reverse,
/// each awaited before the next (swift-service-lifecycle's `ServiceGroup`). The HTTP server
/// stops first (its connections finish their answers, WebSockets get 1001), then ingest
/// (publishers cut, streams offline), then the periodic jobs, the chat archive's final flush
/// last.
enum AppServices {
    static func all(_ app: Application, serveHTTP: Bool = true) -> [any Service] {
        let chat = app.chat, live = app.live, sockets = app.webSockets, nodes = app.nodes
        let watch = ProviderWatch(providers: app.providers, streams: live.external, client: app.client, logger: app.logger)
        var services: [any Service] = [
            PeriodicJob(name: "chat archive", interval: ChatArchive.flushInterval, work: { await chat.archive.flush() },
                        final: { await chat.archive.flush() }),
            PeriodicJob(name: "chat rooms", interval: ChatService.tickInterval, work: { chat.tick() }),
            PeriodicJob(name: "live housekeeping", interval: LiveServices.housekeepingInterval, work: { live.housekeeping() }),
            PeriodicJob(name: "websocket keepalive", interval: .nanoseconds(sockets.keepalive.interval.nanoseconds),
                        work: { sockets.sweep() }),
        ]
        if app.nodes.isActive {
            services.append(PeriodicJob(name: "node heartbeat", interval: NodeRegistry.interval, work: { await nodes.beat() }))
            services.append(PeriodicJob(name: "viewer counts to other nodes", interval: LiveDirectory.viewerCountInterval,
                                        work: { live.directory.sendViewerCounts() }))
        }
        let thumbnails = app.liveThumbnails, directory = live.directory
        if thumbnails.decoder != nil {
            services.append(PeriodicJob(name: "live thumbnails", interval: thumbnails.tick,
                                        work: { await thumbnails.refresh(directory.entries) }))
        }
        if app.metropole.recordingRetention.isActive {
            let recordings = app.recordings
            services.append(PeriodicJob(name: "recording retention", interval: RecordingRetention.interval,
                                        work: { await recordings.enforceRetention() }))
        }
        if app.providers.all.count > 1 {
            // One node polls and sweeps for the site: sessions are in the database (0053).
            services.append(PeriodicJob(name: "providers", interval: ProviderWatch.tick, work: { if nodes.sweeps { await watch.run() } }))
        }
        services.append(WebhookDeliveryWorker(webhooks: app.webhooks, eventLoopGroup: app.eventLoopGroup, sends: { nodes.sweeps }))
        if let rtmp = live.rtmp { services.append(LiveServices.Ingest(live: live, rtmp: rtmp)) }
        if let webRTC = live.webRTC { services.append(LiveServices.WebRTCIngest(live: live, server: webRTC)) }
        if serveHTTP, let server = app.server as? SiteServer { services.append(server) }
        return services
    }

    /// Runs them until SIGTERM or SIGINT.
    static func run(_ app: Application) async throws {
        let group = ServiceGroup(configuration: .init(
            services: all(app).map { .init(service: $0) },
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: app.logger
        ))
        try await group.run()
    }
}
