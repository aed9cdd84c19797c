import Vapor

/// `metropole serve` (the default): clears what a crash may have left marked live, then runs
/// every service until SIGTERM or SIGINT, and stops them gracefully.
struct ServeCommand: AsyncCommand {
    struct Signature: CommandSignature {}
    var help: String { "Serves the site, the API and ingest (the default command)." }

    func run(using context: CommandContext, signature: Signature) async throws {
        let app = context.application
        try await app.live.directory.resetLiveFlags()
        try await AppServices.run(app)
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
