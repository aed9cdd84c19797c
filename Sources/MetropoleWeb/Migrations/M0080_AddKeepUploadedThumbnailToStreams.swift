import Fluent

struct M0080_AddKeepUploadedThumbnailToStreams: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema(Stream.schema)
            .field("keep_uploaded_thumbnail", .bool, .required, .sql(.default(false)))
            .update()
    }

    func revert(on database: any Database) async throws {
        try await database.schema(Stream.schema).deleteField("keep_uploaded_thumbnail").update()
    }
}
