import Foundation
import MetropoleMedia
import Vapor

/// nginx with nginx-rtmp-module. Its notify module POSTs forms (HTTP/1.0) and cannot sign, so
/// hooks carry the provider's secret in the URL (`?token=`, compared in constant time).
/// - `on_publish`: creators publish the stream `<channel>?token=<key>`; nginx-rtmp splits the
///   name at `?` and appends `token` to the form, so the HLS files and every URL viewers see
///   carry the channel's name, never the key. (A redirect renaming the stream would leave
///   Debian's nginx-rtmp 1.2.2 naming its HLS files after the key.)
/// - `on_update` (every `updateSeconds`, `notify_update_strict on`): refused once the key or
///   the provider changed, which makes nginx drop the publisher; silence takes the channel
///   offline.
/// - `on_publish_done`: offline at once.
/// - Cut off: `rtmp_control`'s `drop/publisher`, when `api.url` names that location.
struct NginxRTMPProvider: StreamingProvider {
    let definition: ProviderDefinition
    var protocols: [IngestProtocol] { [.rtmp] }

    func credentials(key: String, username: String, protocol ingestProtocol: IngestProtocol) -> Ingress.Credentials? {
        guard ingestProtocol == .rtmp, let url = definition.ingest?.rtmp else { return nil }
        return Ingress.Credentials(ingestProtocol: .rtmp, serverURL: Self.fill(url, username: username),
                                   streamKey: "\(username)?token=\(key)")
    }

    func hook(_ name: String, _ request: Request, streams: ExternalStreams) async throws -> Response {
        let form = try request.content.decode(Form.self)
        switch name {
        case "publish":
            guard let stream = await streams.authorize(key: form.token ?? "", provider: id, username: form.name) else {
                return Response(status: .forbidden)
            }
            await streams.started(stream, provider: id, sessionID: form.clientid)
            return Response(status: .ok)
        case "update":
            guard let session = await streams.heard(provider: id, sessionID: form.clientid), await streams.stillAllowed(session) else {
                return Response(status: .forbidden)
            }
            return Response(status: .ok)
        case "publish_done":
            await streams.ended(provider: id, sessionID: form.clientid)
            return Response(status: .ok)
        default:
            throw APIError.notFound("nginx-rtmp has no hook \"\(name)\".")
        }
    }

    func disconnect(_ session: ExternalSession, client: any Client) async {
        guard let control = definition.api?.url, let app = applicationName else { return }
        var url = URI(string: control + "/drop/publisher")
        url.query = "app=\(app)&name=\(session.username)&clientid=\(session.sessionID)"
        _ = try? await client.get(url)
    }

    /// The RTMP application creators publish to: the last path component of `ingest.rtmp`.
    private var applicationName: String? {
        definition.ingest?.rtmp.flatMap { URL(string: Self.fill($0, username: "x"))?.lastPathComponent }
    }

    func snippet(hookBase: String) -> String {
        let app = applicationName ?? "live"
        return """
        # nginx-rtmp for Metropole provider "\(id)". Inside rtmp { server { listen 1935; … } }:
        application \(app) {
            live on;
            # Viewers play this HLS (playback.hls): files are named after the channel.
            hls on;
            hls_path /var/lib/nginx/metropole-hls;
            hls_fragment 1s;
            hls_playlist_length 6s;
            # Metropole authorizes every publish and follows it.
            notify_method post;
            on_publish \(hookURL(hookBase, "publish"));
            on_update \(hookURL(hookBase, "update"));
            on_publish_done \(hookURL(hookBase, "publish_done"));
            notify_update_timeout \(Int(definition.interval))s;
            notify_update_strict on;
            # Nobody plays over RTMP; they watch the HLS.
            deny play all;
        }
        # In http { server { … } }: the HLS for viewers, and the control Metropole cuts publishers
        # off with (api.url, e.g. http://127.0.0.1:8080/control; keep it off the public port).
        location /hls/ {
            alias /var/lib/nginx/metropole-hls/;
            types { application/vnd.apple.mpegurl m3u8; video/mp2t ts; }
            add_header Cache-Control no-cache;
            add_header Access-Control-Allow-Origin *;
        }
        location /control {
            rtmp_control all;
            allow 127.0.0.1;
            deny all;
        }

        """
    }

    /// The fields of nginx-rtmp's notify forms that Metropole reads.
    struct Form: Content {
        var name: String
        var clientid: String
        /// The key, from the stream name's query.
        var token: String?
    }
}
