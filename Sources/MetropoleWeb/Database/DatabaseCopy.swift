import Fluent
import FluentSQL
import Foundation
import Vapor

/// `metropole db copy --from URL --to URL`: moves an installation between databases (SQLite to
/// MariaDB is how one outgrows the default). Both sides are migrated first, then every table is
/// copied in chunks, parents before children.
///
/// Resumable: rows whose id already exists in the target are skipped, and a marker table
/// (`metropole_copy`) remembers which source an unfinished copy came from, so running the same
/// command again after an interruption carries on. A target holding other data is refused
/// unless `--force`, which empties it first.
struct DatabaseCopy {
    /// Every table of the product, parents first. A new model must be added here;
    /// `DatabaseCopyTests` fails when a migrated table is missing.
    static let tables: [any CopyableTable] = [
        Table<User>(), Table<Stream>(), Table<Follow>(), Table<Block>(), Table<AuthToken>(), Table<Kick>(), Table<ChatMessage>(),
        Table<UserIdentity>(), Table<ReceivedWebhook>(), Table<WebhookEndpoint>(), Table<WebhookDelivery>(), Table<AdminAuditEntry>(), Table<Video>(),
        Table<ProviderSession>(),
    ]
    /// Tables of running nodes, not of the site: the node registry and the events of the last
    /// minute. Nothing in them outlives the processes that wrote it.
    static let transientTables: Set<String> = [SiteNode.schema, TableEventTransport.table]
    static let markerTable = "metropole_copy"
    static let chunkSize = 500

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    struct Report: Sendable, CustomStringConvertible {
        var copied: [String: Int] = [:]
        var skipped: [String: Int] = [:]
        var description: String {
            DatabaseCopy.tables.map { "\($0.schema): \(copied[$0.schema] ?? 0) copied, \(skipped[$0.schema] ?? 0) already there" }
                .joined(separator: "\n")
        }
    }

    let source: any Database
    let target: any Database
    /// Identifies the source in the marker, password removed.
    let sourceName: String
    let force: Bool
    let log: @Sendable (String) -> Void

    func run() async throws -> Report {
        guard let targetSQL = target as? any SQLDatabase else { throw Failure(description: "the target is not an SQL database") }
        try await targetSQL.create(table: Self.markerTable).ifNotExists()
            .column("source", type: .text, .notNull)
            .column("finished", type: .int, .notNull)
            .run()
        let marker = try await targetSQL.select().columns("source", "finished").from(Self.markerTable).first()
        let markedSource = try marker?.decode(column: "source", as: String.self)
        var rowsInTarget = 0
        for table in Self.tables { rowsInTarget += try await table.count(on: target) }

        if force {
            log("--force: emptying the target (\(rowsInTarget) rows)")
            for table in Self.tables.reversed() { try await table.deleteAll(on: target) }
            try await targetSQL.delete(from: Self.markerTable).run()
        } else if let markedSource, markedSource != sourceName {
            throw Failure(description: "the target holds a copy of another database (\(markedSource)); use --force to replace it")
        } else if markedSource == nil, rowsInTarget > 0 {
            throw Failure(description: "the target is not empty (\(rowsInTarget) rows); use --force to replace its contents")
        } else if markedSource != nil {
            log("resuming the copy from \(sourceName)")
        }
        if force || markedSource == nil {
            try await targetSQL.insert(into: Self.markerTable).columns("source", "finished").values(SQLBind(sourceName), SQLBind(0)).run()
        }

        var report = Report()
        for table in Self.tables {
            let (copied, skipped) = try await table.copy(from: source, to: target, chunkSize: Self.chunkSize)
            report.copied[table.schema] = copied
            report.skipped[table.schema] = skipped
            log("\(table.schema): \(copied) copied, \(skipped) already there")
        }
        try await targetSQL.update(Self.markerTable).set("finished", to: SQLBind(1)).run()
        return report
    }
}

protocol CopyableTable: Sendable {
    var schema: String { get }
    func count(on database: any Database) async throws -> Int
    func deleteAll(on database: any Database) async throws
    func copy(from source: any Database, to target: any Database, chunkSize: Int) async throws -> (copied: Int, skipped: Int)
}

/// Copies one model's rows with Fluent, field by field, so each backend reads and writes its
/// own column types (UUID as BINARY(16) on MySQL, uuid on PostgreSQL, blob on SQLite…).
struct Table<M: Model>: CopyableTable where M.IDValue == UUID {
    var schema: String { M.schema }

    func count(on database: any Database) async throws -> Int { try await M.query(on: database).count() }

    func deleteAll(on database: any Database) async throws { try await M.query(on: database).delete(force: true) }

    func copy(from source: any Database, to target: any Database, chunkSize: Int) async throws -> (copied: Int, skipped: Int) {
        var copied = 0, skipped = 0
        var after: UUID? = nil
        while true {
            // Keyset pagination by id: stable while rows are inserted elsewhere, cheap on every backend.
            let query = M.query(on: source).sort(.id).limit(chunkSize)
            if let after { query.filter(.id, .greaterThan, after) }
            let chunk = try await query.all()
            guard let last = chunk.last else { break }
            after = try last.requireID()
            let ids = try chunk.map { try $0.requireID() }
            let existing = Set(try await M.query(on: target)
                .filter(.extendedPath([.id], schema: M.schema, space: nil), .subset(inverse: false), .array(ids.map { .bind($0) })).all().map { try $0.requireID() })
            let missing = chunk.filter { $0.id.map { !existing.contains($0) } ?? false }
            skipped += chunk.count - missing.count
            guard !missing.isEmpty else { continue }
            try await target.transaction { database in
                for model in missing {
                    let input = AllFields()
                    for property in model.properties {
                        (property as? any AnyDatabaseProperty)?.input(to: input)
                    }
                    // A plain query, not `model.create`: that would re-stamp created_at/updated_at.
                    try await M.query(on: database).set(input.values).create()
                }
            }
            copied += missing.count
        }
        return (copied, skipped)
    }
}

/// Collects every field of a fetched model, modified or not.
private final class AllFields: DatabaseInput {
    var values: [FieldKey: DatabaseQuery.Value] = [:]
    var wantsUnmodifiedKeys: Bool { true }
    func set(_ value: DatabaseQuery.Value, at key: FieldKey) { values[key] = value }
}

/// `metropole db …`: database maintenance.
struct DatabaseCommands: AsyncCommandGroup {
    var help: String { "Database maintenance: copy, bench" }
    var commands: [String: any AnyAsyncCommand] { ["copy": DatabaseCopyCommand(), "bench": DatabaseBenchCommand()] }
}

struct DatabaseCopyCommand: AsyncCommand {
    struct Signature: CommandSignature {
        @Option(name: "from", help: "Source database URL (sqlite:///…, mysql://…, postgres://…)") var from: String?
        @Option(name: "to", help: "Target database URL") var to: String?
        @Flag(name: "force", help: "Empty a non-empty target first") var force: Bool
    }

    var help: String { "Copies every table from one database to another (resumable)." }

    func run(using context: CommandContext, signature: Signature) async throws {
        let app = context.application
        guard let from = signature.from, let to = signature.to else {
            throw DatabaseCopy.Failure(description: "usage: metropole db copy --from <url> --to <url> [--force]")
        }
        let sourceID = DatabaseID(string: "copy-source"), targetID = DatabaseID(string: "copy-target")
        for (raw, id) in [(from, sourceID), (to, targetID)] {
            let location: DatabaseLocation
            do { location = try DatabaseLocation(parsing: raw) } catch { throw DatabaseCopy.Failure(description: "\(raw): \(error.description)") }
            app.databases.use(try databaseFactory(for: location).0, as: id, isDefault: false)
        }
        // Both sides get the schema first: the source may predate some migrations.
        let migrations = FluentKit.Migrations()
        migrations.add(Migrations.all, to: sourceID)
        migrations.add(Migrations.all, to: targetID)
        let migrator = Migrator(databases: app.databases, migrations: migrations, logger: app.logger, on: app.eventLoopGroup.any())
        try await migrator.setupIfNeeded().get()
        try await migrator.prepareBatch().get()

        let console = context.console
        let copy = DatabaseCopy(
            source: app.db(sourceID), target: app.db(targetID),
            sourceName: URL(string: from)?.redactingPassword ?? from, force: signature.force,
            log: { console.print($0) }
        )
        _ = try await copy.run()
        console.print("Copied \(URL(string: from)?.redactingPassword ?? from) to \(URL(string: to)?.redactingPassword ?? to).")
    }
}
