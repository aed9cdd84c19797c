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

/// Sets up the whole application: database, migrations, middleware, routes.
public func configure(_ app: Application, configuration: AppConfiguration, options: ConfigureOptions = .init()) async throws {
    app.metropole = configuration
    app.http.server.configuration.hostname = configuration.httpHost
    app.http.server.configuration.port = configuration.httpPort
    app.http.server.configuration.serverName = "Metropole"
    // No metrics backend is installed: per-request counters and timers would only cost time.
    app.http.server.configuration.reportMetrics = false
    // Nothing we accept is worth sending compressed (forms, JSON, images already compressed).
    app.http.server.configuration.requestDecompression = .disabled
    app.routes.defaultMaxBodySize = "64kb"

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

    app.listings = ListingCache()
    app.guestPages = GuestPageCache(listings: app.listings)

    // Every middleware here is future-based, and guests' cached pages are answered before the
    // route lookup and the chain, so a typical page view costs no task, no routing and no
    // database (0013).
    app.middleware = Middlewares()
    app.middleware.use(RouteLoggingMiddleware(logLevel: .info))
    app.middleware.use(RequestIDMiddleware())
    app.middleware.use(AppErrorMiddleware())
    app.middleware.use(StaticFiles(assets: app.assets))
    app.middleware.use(SessionAuthenticator())
    app.middleware.use(CSRFProtection(secureCookies: configuration.cookiesAreSecure))

    app.asyncCommands.use(MigrateNowCommand(), as: "migrate")
    app.asyncCommands.use(DatabaseCommands(), as: "db")

    app.ejections = Ejections()
    app.streamSettingsObservers = StreamSettingsObservers()
    app.live = LiveServices(app: app, startIngest: options.startIngest)
    app.lifecycle.use(app.live)
    FileDescriptorLimit.raiseToHardLimit()
    let environment = ProcessInfo.processInfo.environment
    app.chat = ChatService(app: app, limits: try ChatRateLimits.load(from: environment),
                           keepalive: try ChatKeepalive.load(from: environment))
    app.lifecycle.use(app.chat)
    app.streamSettingsObservers.register { [chat = app.chat] stream in
        chat.apply(ChatSettings(stream), toChannelOf: stream.$user.id)
    }

    try routes(app)
    // Guests' cached pages are answered from the bytes, before Vapor parses a request (0014).
    app.frontDoor = FrontDoor()
    app.responder.use { app in GuestPageResponder(pages: app.guestPages, door: app.frontDoor, next: app.responder.default) }
    app.servers.use { app in FrontDoorServer(application: app) }
    do {
        try await enableWriteAheadLog(app, location: configuration.database)
        try await app.autoMigrate()
    } catch {
        // Usually an unreachable server or wrong credentials: one line naming the variable.
        throw AppConfiguration.Error(variable: "DATABASE_URL", problem: "the database is not usable: \(String(reflecting: error))")
    }
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

/// `metropole migrate`: runs pending migrations without asking (the server also does on start).
struct MigrateNowCommand: AsyncCommand {
    struct Signature: CommandSignature {}
    var help: String { "Runs pending database migrations (serve also runs them at start-up)." }

    func run(using context: CommandContext, signature: Signature) async throws {
        try await context.application.autoMigrate()
        context.console.print("Database is up to date.")
    }
}
