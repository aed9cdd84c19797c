import MetropoleMedia
import Vapor

/// `GET /api/v1/providers` (what creators may choose) and the media servers' hooks,
/// `POST /api/v1/providers/{id}/hooks/{hook}`, each authenticated by its provider.
enum ProvidersAPIController {
    struct ProviderDTO: Content {
        var id: String
        var name: String
        var kind: String
        var protocols: [String]
    }

    @Sendable static func list(request: Request) -> [ProviderDTO] {
        request.application.providers.all.map { provider in
            ProviderDTO(id: provider.id, name: provider.definition.name, kind: provider.definition.kind.rawValue,
                        protocols: provider.protocols.map(\.rawValue))
        }
    }

    @Sendable static func hook(request: Request) async throws -> Response {
        guard let provider = request.application.providers.provider(id: request.parameters.get("provider")),
              !(provider is BuiltinProvider), let name = request.parameters.get("hook")
        else { throw APIError.notFound("No such provider.") }
        guard provider.authenticate(request) else {
            throw APIError(status: .unauthorized, code: "bad_provider_secret", message: "This hook needs its provider's secret.")
        }
        return try await provider.hook(name, request, streams: request.application.live.external)
    }
}
