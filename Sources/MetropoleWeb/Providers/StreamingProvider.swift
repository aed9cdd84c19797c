import Foundation
import MetropoleMedia
import NIOConcurrencyHelpers
import Vapor

/// A media server a creator can stream through. Metropole keeps the keys, live status, pages,
/// chat and moderation; the provider carries the video. Each kind knows how to hand out ingest
/// credentials, how its server asks Metropole to authorize a publish and reports live status
/// (its hooks, or its API polled), how to cut a publisher off, where viewers play, and what to
/// paste into its server's configuration. One file per kind.
protocol StreamingProvider: Sendable {
    var definition: ProviderDefinition { get }
    /// The protocols creators can publish with here.
    var protocols: [IngestProtocol] { get }
    /// What an encoder is given to publish `username`'s stream with `key`.
    func credentials(key: String, username: String, protocol: IngestProtocol) -> Ingress.Credentials?
    /// Where viewers play `username`'s live stream.
    func playback(username: String) -> PlaybackURLs
    /// Answers the server's hook `name` (already authenticated by `authenticate`).
    func hook(_ name: String, _ request: Request, streams: ExternalStreams) async throws -> Response
    /// Whether a hook request comes from this provider's server.
    func authenticate(_ request: Request) -> Bool
    /// Cuts the publisher of `session` off (a new key, another provider chosen, an admin).
    func disconnect(_ session: ExternalSession, client: any Client) async
    /// The sessions live on the server now, for providers followed by polling their API;
    /// nil for those whose hooks report everything.
    func poll(client: any Client) async throws -> [String]?
    /// The block to paste into the media server's own configuration.
    func snippet(hookBase: String) -> String
}

/// Where a live channel plays: our LL-HLS and WebSocket feed, or a provider's HLS.
struct PlaybackURLs: Sendable, Equatable {
    var hls: String
    /// The WebSocket fMP4 feed (built-in engine only).
    var ws: String?
}

extension StreamingProvider {
    var id: String { definition.id }

    func authenticate(_ request: Request) -> Bool {
        guard let expected = definition.secret, let given = request.query[String.self, at: "token"] else { return false }
        return TokenSecret.constantTimeEquals(expected, given)
    }

    func disconnect(_ session: ExternalSession, client: any Client) async {}

    func poll(client: any Client) async throws -> [String]? { nil }

    /// A hook URL of this provider: `/api/v1/providers/{id}/hooks/{name}?token=<secret>`.
    func hookURL(_ hookBase: String, _ name: String) -> String {
        hookBase + SiteURL.api(.providerHook(id, name)).path + "?token=" + (definition.secret ?? "")
    }

    static func fill(_ template: String, username: String) -> String {
        template.replacingOccurrences(of: "{username}", with: username)
    }

    func playback(username: String) -> PlaybackURLs {
        PlaybackURLs(hls: Self.fill(definition.playback?.hls ?? "", username: username), ws: nil)
    }
}

/// The providers of this installation: the built-in engine, then the operator's, by id.
final class Providers: Sendable {
    let all: [any StreamingProvider]

    init(definitions: [ProviderDefinition], app: Application) {
        var all: [any StreamingProvider] = [BuiltinProvider(app: app)]
        for definition in definitions {
            switch definition.kind {
            case .builtin: break
            case .nginxRTMP: all.append(NginxRTMPProvider(definition: definition))
            case .mediamtx: all.append(MediaMTXProvider(definition: definition))
            case .srs: all.append(SRSProvider(definition: definition))
            case .livekit: all.append(LiveKitProvider(definition: definition))
            }
        }
        self.all = all
    }

    var builtin: any StreamingProvider { all[0] }

    func provider(id: String?) -> (any StreamingProvider)? {
        guard let id else { return builtin }
        return all.first { $0.id == id }
    }

    /// The provider a creator streams through: their choice, or the built-in engine when
    /// they made none or the operator removed theirs.
    func preferred(by user: User) -> any StreamingProvider {
        provider(id: user.preferredProvider) ?? builtin
    }
}

extension Application {
    private struct ProvidersKey: StorageKey { typealias Value = Providers }

    var providers: Providers {
        get { storage[ProvidersKey.self]! }
        set { storage[ProvidersKey.self] = newValue }
    }
}
