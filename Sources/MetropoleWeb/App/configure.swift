import Fluent
import FluentSQLiteDriver
import Foundation
import Vapor

/// Knobs tests turn; production uses the defaults.
public struct ConfigureOptions: Sendable {
    /// Overrides the configuration's bcrypt cost (tests use the minimum to stay fast).
    public var passwordCost: Int? = nil
    public var loginLimits = LoginThrottle.Limits()
    public var publicDirectory: String? = nil
    /// Listen for RTMP publishers (when the configuration has a port). Off for one-shot
    /// commands such as `migrate`.
    public var startIngest = true

    public init() {}
}

/// Sets up the whole application: database, migrations, services, middleware, routes. Nothing
/// runs yet; `metropole serve` starts the services (`AppServices`).
public func configure(_ app: Application, configuration: AppConfiguration, options: ConfigureOptions = .init()) async throws {
    app.metropole = configuration
    MetropoleMetrics.bootstrap()
    app.routes.defaultMaxBodySize = ByteCount(value: BodyLimits.standard)

    try configureDatabase(app, location: configuration.database)
    app.migrations.add(Migrations.all)

    let cost = options.passwordCost ?? configuration.bcryptCost
    app.passwords.use(.bcrypt(cost: cost))
    // A hash nobody knows the password of, at the cost real hashes have. The production cost's
    // is precomputed: hashing at cost 12 here would add a quarter second to every start.
    app.dummyPasswordHash = cost == 12 ? Accounts.unknownPasswordHash : try Bcrypt.hash(TokenSecret.generate(), cost: cost)
    app.loginThrottle = LoginThrottle(limits: options.loginLimits)

    let publicDirectory = options.publicDirectory ?? AssetCatalog.locatePublicDirectory(workingDirectory: app.directory.workingDirectory)
    app.assets = AssetCatalog(directory: publicDirectory)

    ContentConfiguration.global.use(encoder: JSONEncoder.metropole, for: .json)
    ContentConfiguration.global.use(decoder: JSONDecoder.metropole, for: .json)

    // Domain services, each made once here and found through `app`.
    app.listings = ListingCache()
    app.guestPages = GuestPageCache(listings: app.listings)
    app.cluster = Cluster(transport: try Cluster.transport(for: configuration.database, app: app), logger: app.logger)
    app.nodes = NodeRegistry(nodeID: app.cluster.nodeID, database: { [unowned app] in app.db }, logger: app.logger)
    app.ejections = Ejections(cluster: app.cluster)
    app.streamSettingsObservers = StreamSettingsObservers()
    app.webSockets = WebSocketRegistry(keepalive: configuration.webSocketKeepalive)
    do {
        let box = try WebhookSecretBox.load(dataDirectory: configuration.dataDirectory)
        app.webhooks = OutboundWebhooks(database: { [unowned app] in app.db }, box: box, configuration: configuration, logger: app.logger)
    } catch {
        throw AppConfiguration.Error(variable: "METROPOLE_DATA_DIR", problem: String(describing: error))
    }
    app.recordings = Recordings(dataDirectory: configuration.dataDirectory, retention: configuration.recordingRetention,
                                threadPool: app.threadPool, database: { [unowned app] in app.db }, logger: app.logger)
    app.live = LiveServices(app: app, startIngest: options.startIngest)
    app.liveThumbnails = LiveThumbnails.make(configuration: configuration, path: ProcessInfo.processInfo.environment["PATH"],
                                             logger: app.logger)
    app.chat = ChatService(app: app, limits: configuration.chatRateLimits)
    app.providers = Providers(definitions: configuration.providers, app: app)
    app.identityHTTP = IdentityHTTP(eventLoopGroup: app.eventLoopGroup)
    app.lifecycle.use(IdentityHTTPShutdown())
    app.oidcLogins = OIDCLogins()
    app.oidc = configuration.identity.oidc.map { OIDCClient(configuration: $0, publicURL: configuration.publicURL, http: app.identityHTTP) }
    app.streamSettingsObservers.register { [cluster = app.cluster] stream in
        cluster.publish(.chatSettings(ownerID: stream.$user.id, settings: ChatSettings(stream)))
        cluster.publish(.listings)
    }
    Cluster.connect(app)
    FileDescriptorLimit.raiseToHardLimit()

    // Every middleware here is future-based, and guests' cached pages are answered by the HTTP
    // edge before a request exists, so a typical page view costs no task, no routing and no
    // database (0013, 0014).
    app.middleware = Middlewares()
    app.middleware.use(RouteLoggingMiddleware(logLevel: .info))
    app.middleware.use(RequestIDMiddleware())
    app.middleware.use(AppErrorMiddleware())
    app.middleware.use(BodyLimitMiddleware())
    app.middleware.use(StaticFiles(assets: app.assets))
    app.middleware.use(SessionAuthenticator())
    app.middleware.use(CSRFProtection(secureCookies: configuration.cookiesAreSecure))

    app.asyncCommands.use(ServeCommand(), as: "serve", isDefault: true)
    app.asyncCommands.use(MigrateNowCommand(), as: "migrate")
    app.asyncCommands.use(DatabaseCommands(), as: "db")
    app.asyncCommands.use(ProvidersCommands(), as: "providers")
    app.asyncCommands.use(AdminCommands(), as: "admin")

    try routes(app)
    app.servers.use { app in SiteServer(application: app) }
    do {
        try await enableWriteAheadLog(app, location: configuration.database)
        try await app.autoMigrate()
        // Serving (tests too) hears the other nodes; one-shot commands need not.
        if options.startIngest {
            try await app.cluster.start()
            app.lifecycle.use(ClusterShutdown())
        }
    } catch {
        // Usually an unreachable server or wrong credentials: one line naming the variable.
        throw AppConfiguration.Error(variable: "DATABASE_URL", problem: "the database is not usable: \(String(reflecting: error))")
    }
    try await app.webhooks.syncSiteEndpoints(configuration.siteWebhooks)
}

extension JSONEncoder {
    static var metropole: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        // Stable key order: identical answers are byte-identical (tests, caches, diffs).
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }
}

extension JSONDecoder {
    static var metropole: JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return decoder
    }
}
