import Fluent
import SQLKit

struct M0071_AddRecordToStreams: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema(Stream.schema)
            .field("record", .bool, .required, .sql(.default(true)))
            .update()
    }

    func revert(on database: any Database) async throws {
        try await database.schema(Stream.schema).deleteField("record").update()
    }
}
