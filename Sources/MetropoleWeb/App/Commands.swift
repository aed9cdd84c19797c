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

/// `metropole providers snippet <id>`: the block to paste into that media server's own
/// configuration, with its hook URLs and secret filled in.
struct ProvidersCommands: AsyncCommandGroup {
    var help: String { "Streaming providers: snippet <id>" }
    var commands: [String: any AnyAsyncCommand] { ["snippet": ProviderSnippetCommand()] }
}

struct ProviderSnippetCommand: AsyncCommand {
    struct Signature: CommandSignature {
        @Argument(name: "id", help: "A provider's id from METROPOLE_PROVIDERS_FILE") var id: String
    }

    var help: String { "Prints the configuration block for that provider's media server." }

    func run(using context: CommandContext, signature: Signature) async throws {
        let app = context.application
        guard let provider = app.providers.provider(id: signature.id), !(provider is BuiltinProvider) else {
            let known = app.providers.all.dropFirst().map(\.id).joined(separator: ", ")
            throw ProviderSnippetError(description: "no provider \"\(signature.id)\"; this server has: \(known.isEmpty ? "none (set METROPOLE_PROVIDERS_FILE)" : known)")
        }
        context.console.output(provider.snippet(hookBase: app.metropole.publicURL.absoluteString).consoleText())
    }
}

struct ProviderSnippetError: Error, CustomStringConvertible {
    var description: String
}
