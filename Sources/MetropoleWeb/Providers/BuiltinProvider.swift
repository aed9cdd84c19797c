import MetropoleMedia
import Vapor

/// Metropole's own engine: RTMP and WHIP into this process's `LiveHub`s, played from our
/// LL-HLS and WebSocket feed. Its live status needs no hooks: ingest tells `LiveDirectory`.
struct BuiltinProvider: StreamingProvider {
    let definition = ProviderDefinition.builtin
    /// The application owns its providers.
    unowned let app: Application

    /// RTMP always (as before WHIP existed, even with the listener off); WHIP when its port is on.
    var protocols: [IngestProtocol] {
        app.metropole.webRTCPort == nil ? [.rtmp] : [.rtmp, .whip]
    }

    func credentials(key: String, username: String, protocol ingestProtocol: IngestProtocol) -> Ingress.Credentials? {
        guard protocols.contains(ingestProtocol) else { return nil }
        return Ingress.Credentials(ingestProtocol: ingestProtocol, serverURL: Ingress.serverURL(for: ingestProtocol, in: app),
                                   streamKey: key)
    }

    func playback(username: String) -> PlaybackURLs {
        PlaybackURLs(hls: SiteURL.livePlaylist(username).path, ws: SiteURL.liveSocket(username).path)
    }

    func hook(_ name: String, _ request: Request, streams: ExternalStreams) async throws -> Response {
        throw APIError.notFound("The built-in engine has no hooks.")
    }

    func authenticate(_ request: Request) -> Bool { false }

    func disconnect(_ session: ExternalSession, client: any Client) async {}

    func snippet(hookBase: String) -> String {
        "# The built-in engine needs no configuration: it is this Metropole.\n"
    }
}
