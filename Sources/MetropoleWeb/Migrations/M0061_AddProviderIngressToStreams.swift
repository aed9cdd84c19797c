import Fluent

struct M0061_AddProviderIngressToStreams: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema(Stream.schema).field("provider_ingress", .string).update()
    }

    func revert(on database: any Database) async throws {
        try await database.schema(Stream.schema).deleteField("provider_ingress").update()
    }
}
