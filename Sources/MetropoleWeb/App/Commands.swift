import Vapor

/// `metropole serve` (the default): clears what a crash may have left marked live (alone on
/// SQLite; on a shared database the registry's sweep does it), joins the node registry, then
/// runs every service until SIGTERM or SIGINT, stops them gracefully, and leaves the registry.
struct ServeCommand: AsyncCommand {
    struct Signature: CommandSignature {}
    var help: String { "Serves the site, the API and ingest (the default command)." }

    func run(using context: CommandContext, signature: Signature) async throws {
        let app = context.application
        if app.cluster.isShared {
            try await NodeRegistry.join(app)
        } else {
            try await app.live.directory.resetLiveFlags(keeping: app.live.external.openStreamIDs())
        }
        try await app.recordings.recover()
        await app.recordings.enforceRetention()
        try await AppServices.run(app)
        await app.nodes.leave()
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

/// `metropole admin grant|revoke <username>`: the operator role is given only here, by whoever
/// runs the server; every change is in the audit log.
struct AdminCommands: AsyncCommandGroup {
    var help: String { "Site administrators: grant <username>, revoke <username>" }
    var commands: [String: any AnyAsyncCommand] { ["grant": AdminRoleCommand(role: .admin), "revoke": AdminRoleCommand(role: .creator)] }
}

struct AdminRoleCommand: AsyncCommand {
    struct Signature: CommandSignature {
        @Argument(name: "username", help: "An existing account") var username: String
    }

    let role: UserRole
    var help: String { role == .admin ? "Makes the user an admin." : "Takes the admin role away." }

    func run(using context: CommandContext, signature: Signature) async throws {
        do {
            let user = try await Administration.setRole(role, of: signature.username, on: context.application.db)
            context.console.print(role == .admin ? "\(user.username) is now an admin." : "\(user.username) is no longer an admin.")
        } catch let error as APIError where error.status == .notFound {
            throw AdminCommandError(description: "no user \"\(signature.username)\"")
        }
    }
}

struct AdminCommandError: Error, CustomStringConvertible {
    var description: String
}
