import Foundation
import MetropoleMedia
import Vapor

/// SRS (v6). Creators publish to `<app>/<channel>` with `?token=<key>` on the stream name, so
/// stream URLs carry the channel's name, never the key.
/// - `http_hooks` `on_publish` / `on_unpublish` → hooks of those names (JSON; SRS cannot sign:
///   the secret rides in the URL). SRS wants `200` with the body `{"code":0}` to allow.
/// - The API's `/api/v1/streams` is polled every `updateSeconds`.
/// - Cut off: `DELETE /api/v1/clients/{client_id}`.
struct SRSProvider: StreamingProvider {
    let definition: ProviderDefinition
    var protocols: [IngestProtocol] { [.rtmp] }

    func credentials(key: String, username: String, protocol ingestProtocol: IngestProtocol) -> Ingress.Credentials? {
        guard ingestProtocol == .rtmp, let url = definition.ingest?.rtmp else { return nil }
        return Ingress.Credentials(ingestProtocol: .rtmp, serverURL: Self.fill(url, username: username),
                                   streamKey: "\(username)?token=\(key)")
    }

    /// SRS's hook body (`srs_app_http_hooks.cpp`).
    struct Hook: Content {
        var action: String
        var client_id: String
        var stream: String
        var param: String?
    }

    func hook(_ name: String, _ request: Request, streams: ExternalStreams) async throws -> Response {
        let hook = try request.content.decode(Hook.self)
        switch name {
        case "on_publish":
            let key = Self.token(inParam: hook.param) ?? ""
            guard let stream = await streams.authorize(key: key, provider: id, username: hook.stream) else {
                return try Self.answer(code: 403, status: .forbidden)
            }
            await streams.started(stream, provider: id, sessionID: hook.client_id)
            return try Self.answer(code: 0, status: .ok)
        case "on_unpublish":
            await streams.ended(provider: id, sessionID: hook.client_id)
            return try Self.answer(code: 0, status: .ok)
        default:
            throw APIError.notFound("SRS has no hook \"\(name)\".")
        }
    }

    static func answer(code: Int, status: HTTPResponseStatus) throws -> Response {
        let response = Response(status: status)
        try response.content.encode(["code": code])
        return response
    }

    static func token(inParam param: String?) -> String? {
        guard let param else { return nil }
        return URLComponents(string: param.hasPrefix("?") ? param : "?" + param)?.queryItems?.first { $0.name == "token" }?.value
    }

    /// `/api/v1/streams`: the publisher of every active stream.
    func poll(client: any Client) async throws -> [String]? {
        guard let api = definition.api?.url else { return nil }
        let response = try await client.get(URI(string: api + "/api/v1/streams?count=1000"))
        guard response.status == .ok else { throw Abort(.badGateway) }
        return try response.content.decode(StreamList.self).streams.compactMap { $0.publish.active ? $0.publish.cid : nil }
    }

    struct StreamList: Decodable {
        struct Item: Decodable {
            struct Publish: Decodable { var active: Bool; var cid: String? }
            var name: String
            var publish: Publish
        }
        var streams: [Item]
    }

    func disconnect(_ session: ExternalSession, client: any Client) async {
        guard let api = definition.api?.url else { return }
        _ = try? await client.delete(URI(string: api + "/api/v1/clients/\(session.sessionID)"))
    }

    func snippet(hookBase: String) -> String {
        """
        # SRS (v6) for Metropole provider "\(id)": inside vhost __defaultVhost__ { … }
        http_hooks {
            enabled on;
            on_publish \(hookURL(hookBase, "on_publish"));
            on_unpublish \(hookURL(hookBase, "on_unpublish"));
        }
        # and, at the top level, the API Metropole polls and kicks publishers with (api.url):
        # http_api { enabled on; listen 1985; }

        """
    }
}
