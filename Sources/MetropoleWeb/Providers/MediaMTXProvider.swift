import Foundation
import MetropoleMedia
import Vapor

/// MediaMTX. Creators publish to the path `live/<channel>` with the stream key as the token
/// (RTMP: `?token=<key>` on the stream name; WHIP: the Bearer token), so paths and playback
/// URLs carry the channel's name, never the key.
/// - `authHTTPAddress` → hook `auth`: a publish is allowed when the token is the path's
///   channel's key and the channel chose this provider; reads are public; the API and metrics
///   are refused.
/// - `runOnReady`/`runOnNotReady` → hooks `ready`/`not_ready` (unsigned commands: the secret
///   rides in the URL); the API (`/v3/paths/list`) is polled every `updateSeconds`.
/// - Cut off: `POST /v3/<kind>/kick/{id}`.
struct MediaMTXProvider: StreamingProvider {
    let definition: ProviderDefinition
    var protocols: [IngestProtocol] { definition.ingest?.whip == nil ? [.rtmp] : [.rtmp, .whip] }

    func credentials(key: String, username: String, protocol ingestProtocol: IngestProtocol) -> Ingress.Credentials? {
        switch ingestProtocol {
        case .rtmp:
            guard let url = definition.ingest?.rtmp else { return nil }
            return Ingress.Credentials(ingestProtocol: .rtmp, serverURL: Self.fill(url, username: username),
                                       streamKey: "\(username)?token=\(key)")
        case .whip:
            guard let url = definition.ingest?.whip else { return nil }
            return Ingress.Credentials(ingestProtocol: .whip, serverURL: Self.fill(url, username: username), streamKey: key)
        }
    }

    /// MediaMTX's auth request (`internal/auth/request.go`).
    struct AuthRequest: Content {
        var action: String
        var path: String
        var token: String?
        var password: String?
        var query: String?
        var id: String?
        var `protocol`: String?
    }

    /// What `runOnReady`/`runOnNotReady` send: `?path=$MTX_PATH&source_type=$MTX_SOURCE_TYPE&source_id=$MTX_SOURCE_ID`.
    struct Ready: Content {
        var path: String
        var source_type: String
        var source_id: String
    }

    func hook(_ name: String, _ request: Request, streams: ExternalStreams) async throws -> Response {
        switch name {
        case "auth":
            let auth = try request.content.decode(AuthRequest.self)
            switch auth.action {
            case "read", "playback":
                return Response(status: .ok)
            case "publish":
                // MediaMTX's own order (`getToken`): a Bearer token, the password, the query's `token`.
                let given = [auth.token, auth.password, Self.token(inQuery: auth.query)].compactMap { $0 }.first { !$0.isEmpty }
                let key = given ?? ""
                let allowed = await streams.authorize(key: key, provider: id, username: Self.channel(inPath: auth.path)) != nil
                return Response(status: allowed ? .ok : .unauthorized)
            default:
                return Response(status: .unauthorized)
            }
        case "ready":
            let ready = try request.query.decode(Ready.self)
            // The publish was authorized by `auth`; this finds the channel again by its path.
            guard let username = Self.channel(inPath: ready.path),
                  let stream = try? await Channels.stream(named: username, on: request.db),
                  stream.user.preferredProvider == id else { return Response(status: .notFound) }
            await streams.started(stream, provider: id, sessionID: Self.session(ready.source_type, ready.source_id))
            return Response(status: .ok)
        case "not_ready":
            let ready = try request.query.decode(Ready.self)
            await streams.ended(provider: id, sessionID: Self.session(ready.source_type, ready.source_id))
            return Response(status: .ok)
        default:
            throw APIError.notFound("MediaMTX has no hook \"\(name)\".")
        }
    }

    /// `/v3/paths/list`: the sources of every path that is ready (or, since v1.20, available).
    func poll(client: any Client) async throws -> [String]? {
        guard let api = definition.api?.url else { return nil }
        let response = try await client.get(URI(string: api + "/v3/paths/list?itemsPerPage=1000"))
        guard response.status == .ok else { throw Abort(.badGateway) }
        let list = try response.content.decode(PathList.self)
        return list.items.compactMap { path in
            guard path.ready == true || path.available == true, let source = path.source else { return nil }
            return Self.session(source.type, source.id)
        }
    }

    struct PathList: Decodable {
        struct Path: Decodable {
            struct Source: Decodable { var type: String; var id: String }
            var name: String
            var source: Source?
            var ready: Bool?
            var available: Bool?
        }
        var items: [Path]
    }

    func disconnect(_ session: ExternalSession, client: any Client) async {
        guard let api = definition.api?.url else { return }
        let parts = session.sessionID.split(separator: ":", maxSplits: 1).map(String.init)
        guard parts.count == 2, let kind = Self.kickPath[parts[0]] else { return }
        _ = try? await client.post(URI(string: api + "/v3/\(kind)/kick/\(parts[1])"))
    }

    /// `MTX_SOURCE_TYPE` → the API's kick collection.
    static let kickPath = ["rtmpConn": "rtmpconns", "rtmpsConn": "rtmpsconns", "webRTCSession": "webrtcsessions",
                           "srtConn": "srtconns", "rtspSession": "rtspsessions", "rtspsSession": "rtspsessions"]

    static func session(_ type: String, _ id: String) -> String { type + ":" + id }

    /// `live/<channel>` (or just `<channel>`) → the channel.
    static func channel(inPath path: String) -> String? {
        path.split(separator: "/").last.map(String.init)
    }

    static func token(inQuery query: String?) -> String? {
        guard let query else { return nil }
        return URLComponents(string: "?" + query)?.queryItems?.first { $0.name == "token" }?.value
    }

    func snippet(hookBase: String) -> String {
        """
        # mediamtx.yml for Metropole provider "\(id)"
        authMethod: http
        authHTTPAddress: \(hookURL(hookBase, "auth"))
        # The API Metropole polls for live status and kicks publishers with (api.url).
        api: yes
        apiAddress: 127.0.0.1:9997
        authHTTPExclude:
          - action: api
        pathDefaults:
          runOnReady: curl -fsS "\(hookURL(hookBase, "ready"))&path=$MTX_PATH&source_type=$MTX_SOURCE_TYPE&source_id=$MTX_SOURCE_ID"
          runOnNotReady: curl -fsS "\(hookURL(hookBase, "not_ready"))&path=$MTX_PATH&source_type=$MTX_SOURCE_TYPE&source_id=$MTX_SOURCE_ID"
        paths:
          "~^live/[a-z0-9_]+$": {}

        """
    }
}
