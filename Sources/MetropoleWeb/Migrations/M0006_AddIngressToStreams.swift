import Fluent
import SQLKit

struct M0006_AddIngressToStreams: AsyncMigration {
    func prepare(on database: any Database) async throws {
        // One column per statement: SQLite's ALTER TABLE adds a single column at a time.
        for column in ["ingress_protocol", "stream_key", "stream_key_digest"] {
            try await database.schema(Stream.schema).field(FieldKey(stringLiteral: column), .string).update()
        }
        // A separate unique index: SQLite cannot add a constraint to an existing table.
        guard let sql = database as? any SQLDatabase else { return }
        try await sql.create(index: "streams_stream_key_digest").on(Stream.schema).column("stream_key_digest").unique().run()
    }

    func revert(on database: any Database) async throws {
        if let sql = database as? any SQLDatabase {
            // MySQL indexes belong to their table and DROP INDEX must name it; the others refuse ON.
            let drop = sql.drop(index: "streams_stream_key_digest")
            try await (sql.dialect.name == "mysql" ? drop.on(Stream.schema) : drop).run()
        }
        for column in ["ingress_protocol", "stream_key", "stream_key_digest"] {
            try await database.schema(Stream.schema).deleteField(FieldKey(stringLiteral: column)).update()
        }
    }
}
