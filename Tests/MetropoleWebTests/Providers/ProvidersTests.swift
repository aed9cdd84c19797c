import Crypto
import Foundation
import JWTKit
import NIOConcurrencyHelpers
import Testing
import Vapor
import VaporTesting
@testable import MetropoleWeb

/// Streaming providers against the wire contracts their media servers document
/// (`/work/shared/research/providers.md`): MediaMTX, SRS and LiveKit cannot be installed
/// here, so their hooks are fed the documented payloads and their APIs answer with documented
/// bodies through `ScriptedAPI`. nginx-rtmp runs for real in `e2e/test_providers.py`.
@Suite struct ProvidersTests {
    static let secret = "s3cret-s3cret-s3cret-s3cret"

    nonisolated(unsafe) static let definitions: [[String: Any]] = [
        ["id": "mtx", "kind": "mediamtx", "name": "MediaMTX", "secret": secret, "updateSeconds": 5,
         "ingest": ["rtmp": "rtmp://mtx.example:1935/live", "whip": "http://mtx.example:8889/live/{username}/whip"],
         "playback": ["hls": "http://mtx.example:8888/live/{username}/index.m3u8"], "api": ["url": "http://mtx.example:9997"]],
        ["id": "srs", "kind": "srs", "name": "SRS", "secret": secret,
         "ingest": ["rtmp": "rtmp://srs.example/live"], "playback": ["hls": "http://srs.example:8080/live/{username}.m3u8"],
         "api": ["url": "http://srs.example:1985"]],
        ["id": "lk", "kind": "livekit", "name": "LiveKit", "ingest": ["rtmp": "rtmp://lk.example/x"],
         "playback": ["hls": "http://lk.example/hls/{username}.m3u8"],
         "api": ["url": "http://lk.example", "key": "APIkey", "secret": "livekit-secret-livekit-secret-livekit"]],
    ]

    /// An application with those providers; `api` answers their HTTP APIs.
    static func withProviders(_ body: (Application, ScriptedAPI) async throws -> Void) async throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("providers-\(UUID().uuidString).json")
        try JSONSerialization.data(withJSONObject: ["providers": definitions]).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        try await withTestApp(environment: ["METROPOLE_PROVIDERS_FILE": file.path]) { app in
            let api = ScriptedAPI(eventLoop: app.eventLoopGroup.any())
            app.clients.use { _ in api }
            try await body(app, api)
        }
    }

    static func choose(_ provider: String, _ token: String, on app: Application) async throws -> String {
        try await app.testing().test(.PATCH, "api/v1/me", headers: bearer(token), body: json(["preferredProvider": provider])) {
            #expect($0.status == .ok)
        }
        var key = ""
        try await app.testing().test(.POST, "api/v1/me/ingress", headers: bearer(token), body: json(["protocol": "rtmp"])) { response in
            #expect(response.status == .created, "\(response.body.string)")
            key = try response.content.decode(IngressAPIController.IngressDTO.self).streamKey
        }
        return key
    }

    static func isLive(_ app: Application, _ name: String) async throws -> Bool {
        var live = false
        try await app.testing().test(.GET, "api/v1/streams/\(name)") { response in
            live = (try? response.content.decode(StreamsAPIController.StreamDTO.self).isLive) ?? false
        }
        return live
    }

    // MARK: The operator's file

    @Test func theProvidersFileIsReadAsJSONOrTOMLAndABadEntryIsNamed() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("providers-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let toml = directory.appendingPathComponent("providers.toml")
        try """
        [[providers]]
        id = "studio"
        kind = "nginx-rtmp"
        name = "Studio"
        secret = "\(Self.secret)"
        [providers.ingest]
        rtmp = "rtmp://127.0.0.1:1935/live"
        [providers.playback]
        hls = "http://127.0.0.1:8080/hls/{username}.m3u8"
        """.write(to: toml, atomically: true, encoding: .utf8)
        let loaded = try ProvidersFile.load(path: toml.path)
        #expect(loaded.map(\.id) == ["studio"] && loaded[0].kind == .nginxRTMP && loaded[0].interval == 10)

        func problem(_ entry: [String: Any]) throws -> String {
            let file = directory.appendingPathComponent("bad.json")
            try JSONSerialization.data(withJSONObject: ["providers": [entry]]).write(to: file)
            do {
                _ = try ProvidersFile.load(path: file.path)
                return ""
            } catch {
                #expect(error.variable == "METROPOLE_PROVIDERS_FILE")
                return error.problem
            }
        }
        var entry = Self.definitions[0]
        entry["secret"] = "short"
        #expect(try problem(entry).contains("mtx: secret must be at least 24"))
        entry = Self.definitions[0]
        entry["kind"] = "wowza"
        #expect(try problem(entry).contains("kind"))
        entry = Self.definitions[1]
        entry["playback"] = ["hls": "not a url"]
        #expect(try problem(entry).contains("srs: playback.hls \"not a url\" is not an absolute URL"))
        entry = Self.definitions[0]
        entry["id"] = "Bad Id"
        #expect(try problem(entry).contains("id \"Bad Id\""))
    }

    // MARK: MediaMTX

    @Test func mediamtxAuthorizesPublishesByPathAndTokenAndFollowsReadyHooksAndItsAPI() async throws {
        try await Self.withProviders { app, api in
            let token = try await app.signUp("ada")
            let key = try await Self.choose("mtx", token, on: app)
            #expect(key.hasPrefix("ada?token="), "MediaMTX takes the key as the path's token")
            let secret = String(key.dropFirst("ada?token=".count))
            func auth(_ body: [String: Any], token hookToken: String = Self.secret) async throws -> HTTPStatus {
                var status = HTTPStatus.ok
                try await app.testing().test(.POST, "api/v1/providers/mtx/hooks/auth?token=\(hookToken)", headers: jsonHeaders,
                                             body: json(body)) { status = $0.status }
                return status
            }
            // The documented request, as OBS's `rtmp://host/live` + `ada?token=…` produces it.
            let publish: [String: Any] = ["ip": "203.0.113.7", "user": "", "password": "", "token": "", "action": "publish",
                                          "path": "live/ada", "protocol": "rtmp", "id": "6f1c", "query": "token=\(secret)",
                                          "userAgent": "obs-output module"]
            #expect(try await auth(publish) == .ok)
            var wrong = publish
            wrong["query"] = "token=nope"
            #expect(try await auth(wrong) == .unauthorized)
            var otherPath = publish
            otherPath["path"] = "live/bob"
            #expect(try await auth(otherPath) == .unauthorized, "a key publishes only its own channel")
            var bearer = publish
            (bearer["query"], bearer["token"], bearer["protocol"]) = ("", secret, "webrtc")
            #expect(try await auth(bearer) == .ok, "WHIP's Bearer token is MediaMTX's token")
            #expect(try await auth(["action": "read", "path": "live/ada"]) == .ok)
            #expect(try await auth(["action": "api", "path": ""]) == .unauthorized)
            #expect(try await auth(publish, token: "wrong") == .unauthorized)

            let ready = "path=live/ada&source_type=rtmpConn&source_id=6f1c"
            try await app.testing().test(.GET, "api/v1/providers/mtx/hooks/ready?token=\(Self.secret)&\(ready)") { #expect($0.status == .ok) }
            #expect(try await Self.isLive(app, "ada"))
            try await app.testing().test(.GET, "api/v1/streams/ada") { response in
                let stream = try response.content.decode(StreamsAPIController.StreamDTO.self)
                #expect(stream.playback.hls == "http://mtx.example:8888/live/ada/index.m3u8" && stream.playback.ws == nil)
            }
            // The API still lists it: heard. Then it does not: offline after two intervals.
            api.answer(.GET, "/v3/paths/list", #"{"itemCount":1,"pageCount":1,"items":[{"name":"live/ada","confName":"all","source":{"type":"rtmpConn","id":"6f1c"},"ready":true,"available":true,"readers":[],"tracks2":[],"inboundBytes":1,"outboundBytes":0}]}"#)
            let watch = ProviderWatch(providers: app.providers, streams: app.live.external, client: api, logger: app.logger)
            let start = Date()
            await watch.run(now: start.addingTimeInterval(6))
            #expect(try await Self.isLive(app, "ada"))
            api.answer(.GET, "/v3/paths/list", #"{"itemCount":0,"pageCount":0,"items":[]}"#)
            await watch.run(now: start.addingTimeInterval(12))
            await watch.run(now: start.addingTimeInterval(17))
            #expect(!(try await Self.isLive(app, "ada")), "MediaMTX stopped listing it")

            // Live again, then a new key: MediaMTX is asked to kick that connection.
            try await app.testing().test(.GET, "api/v1/providers/mtx/hooks/ready?token=\(Self.secret)&\(ready)") { #expect($0.status == .ok) }
            _ = try await Self.choose("mtx", token, on: app)
            #expect(api.requests.contains("POST /v3/rtmpconns/kick/6f1c"))
            #expect(!(try await Self.isLive(app, "ada")))
            try await app.testing().test(.GET, "api/v1/providers/mtx/hooks/not_ready?token=\(Self.secret)&\(ready)") { #expect($0.status == .ok) }
        }
    }

    /// Behind a load balancer a provider's hooks about one publisher reach different web nodes,
    /// and a restart forgets memory: every node must know what the first was told.
    @Test func aSessionIsKnownToEveryNodeOnTheDatabaseAndOutlivesARestart() async throws {
        try await Self.withProviders { app, _ in
            let token = try await app.signUp("ida")
            _ = try await Self.choose("mtx", token, on: app)
            let ready = "path=live/ida&source_type=rtmpConn&source_id=c0ffee"
            try await app.testing().test(.GET, "api/v1/providers/mtx/hooks/ready?token=\(Self.secret)&\(ready)") { #expect($0.status == .ok) }
            #expect(try await Self.isLive(app, "ida"))
            // act: another node, which heard no hook, sharing only the database
            let other = ExternalStreams(directory: app.live.directory, database: { app.db }, logger: app.logger)
            let session = try #require(await other.heard(provider: "mtx", sessionID: "rtmpConn:c0ffee"), "the other node knows the session")
            #expect(session.username == "ida")
            #expect(await other.session(streamID: session.streamID)?.sessionID == "rtmpConn:c0ffee")
            #expect(await other.heard(provider: "mtx", sessionID: "someone-else") == nil)
            // A restart keeps the stream live: the provider's hooks go on.
            try await app.live.directory.resetLiveFlags(keeping: other.openStreamIDs())
            #expect(try await Self.isLive(app, "ida"))
            try await app.testing().test(.GET, "api/v1/streams/ida") { response in
                let stream = try response.content.decode(StreamsAPIController.StreamDTO.self)
                #expect(stream.playback.hls == "http://mtx.example:8888/live/ida/index.m3u8", "viewers still play from the provider")
            }
            await other.ended(provider: "mtx", sessionID: "rtmpConn:c0ffee")
            // check
            #expect(!(try await Self.isLive(app, "ida")), "the end told to the other node takes the stream offline")
            #expect(await app.live.external.session(streamID: session.streamID) == nil)
            #expect(try await other.openStreamIDs().isEmpty)
            try await app.testing().test(.GET, "api/v1/streams/ida") { response in
                let stream = try response.content.decode(StreamsAPIController.StreamDTO.self)
                #expect(stream.playback.hls.hasSuffix("/live/ida/index.m3u8") && !stream.playback.hls.contains("mtx.example"))
            }
        }
    }

    // MARK: SRS

    @Test func srsHooksNeedCodeZeroAndItsAPIKicksThePublisher() async throws {
        try await Self.withProviders { app, api in
            let token = try await app.signUp("bea")
            let key = try await Self.choose("srs", token, on: app)
            let secret = String(key.dropFirst("bea?token=".count))
            func hook(_ name: String, param: String, client: String = "9308h583") async throws -> (HTTPStatus, String) {
                var answer = (HTTPStatus.ok, "")
                let body: [String: Any] = ["server_id": "vid-werty", "service_id": "x", "action": name, "client_id": client,
                                           "ip": "192.168.1.10", "vhost": "__defaultVhost__", "app": "live", "tcUrl": "rtmp://host/live",
                                           "stream": "bea", "param": param, "stream_url": "/live/bea", "stream_id": "vid-124q9y3"]
                try await app.testing().test(.POST, "api/v1/providers/srs/hooks/\(name)?token=\(Self.secret)", headers: jsonHeaders,
                                             body: json(body)) { answer = ($0.status, $0.body.string) }
                return answer
            }
            let refused = try await hook("on_publish", param: "?token=nope")
            #expect(refused.0 == .forbidden && !refused.1.contains(#""code":0"#))
            let allowed = try await hook("on_publish", param: "?token=\(secret)")
            #expect(allowed.0 == .ok && allowed.1 == #"{"code":0}"#, "SRS allows only 200 with code 0")
            #expect(try await Self.isLive(app, "bea"))
            api.answer(.GET, "/api/v1/streams", #"{"code":0,"server":"vid-werty","service":"x","pid":"1","streams":[{"id":"vid-124q9y3","name":"bea","vhost":"vid-x","app":"live","tcUrl":"rtmp://host/live","url":"/live/bea","live_ms":1,"clients":1,"frames":10,"send_bytes":0,"recv_bytes":100,"kbps":{"recv_30s":0,"send_30s":0},"publish":{"active":true,"cid":"9308h583"},"video":null,"audio":null}]}"#)
            #expect(try await app.providers.provider(id: "srs")?.poll(client: api) == ["9308h583"])
            _ = try await Self.choose("srs", token, on: app)
            #expect(api.requests.contains("DELETE /api/v1/clients/9308h583"))
            #expect(!(try await Self.isLive(app, "bea")))
            #expect(try await hook("on_unpublish", param: "").1 == #"{"code":0}"#)
        }
    }

    // MARK: LiveKit

    static func livekitWebhook(_ body: String, secret: String = "livekit-secret-livekit-secret-livekit", key: String = "APIkey",
                               hashOf signed: String? = nil) async throws -> String {
        let keys = JWTKeyCollection()
        await keys.add(hmac: HMACKey(from: secret), digestAlgorithm: .sha256)
        let digest = Data(SHA256.hash(data: Data((signed ?? body).utf8))).base64EncodedString()
        return try await keys.sign(LiveKitProvider.WebhookClaims(iss: .init(value: key), exp: .init(value: Date().addingTimeInterval(300)),
                                                                 sha256: digest))
    }

    @Test func livekitIssuesTheKeyAndItsSignedWebhooksCarryLiveStatus() async throws {
        try await Self.withProviders { app, api in
            api.answer(.POST, "/twirp/livekit.Ingress/CreateIngress", #"{"ingress_id":"IN_x","name":"cal","stream_key":"abcKEY","url":"rtmp://lk.example/x","input_type":"RTMP_INPUT","enable_transcoding":true,"room_name":"cal","reusable":true,"state":{"status":"ENDPOINT_INACTIVE"}}"#)
            api.answer(.POST, "/twirp/livekit.Ingress/DeleteIngress", #"{"ingress_id":"IN_x","stream_key":"abcKEY"}"#)
            let token = try await app.signUp("cal")
            let key = try await Self.choose("lk", token, on: app)
            #expect(key == "abcKEY", "LiveKit issued the key: \(api.requests)")
            let create = try #require(api.bodies["POST /twirp/livekit.Ingress/CreateIngress"])
            #expect(create.contains(#""room_name":"cal""#) && create.contains(#""input_type":"RTMP_INPUT""#))
            #expect(api.authorizations.allSatisfy { $0.hasPrefix("Bearer ") })

            func webhook(_ body: String, jwt: String) async throws -> HTTPStatus {
                var status = HTTPStatus.ok
                try await app.testing().test(.POST, "api/v1/providers/lk/hooks/webhook",
                                             headers: ["Content-Type": "application/webhook+json", "Authorization": jwt],
                                             body: ByteBuffer(string: body)) { status = $0.status }
                return status
            }
            let started = #"{"event":"ingress_started","ingressInfo":{"ingressId":"IN_x","name":"cal","streamKey":"abcKEY","state":{"status":"ENDPOINT_PUBLISHING"}},"id":"EV_1","createdAt":"1700000000"}"#
            #expect(try await webhook(started, jwt: Self.livekitWebhook(started, secret: "not-the-secret-not-the-secret-not-it")) == .unauthorized)
            #expect(try await webhook(started, jwt: Self.livekitWebhook(started, hashOf: "another body")) == .unauthorized)
            #expect(try await webhook(started, jwt: Self.livekitWebhook(started, key: "other")) == .unauthorized)
            #expect(!(try await Self.isLive(app, "cal")))
            #expect(try await webhook(started, jwt: Self.livekitWebhook(started)) == .ok)
            #expect(try await Self.isLive(app, "cal"))
            let ended = #"{"event":"ingress_ended","ingressInfo":{"ingressId":"IN_x"},"id":"EV_2","createdAt":"1700000100"}"#
            #expect(try await webhook(ended, jwt: Self.livekitWebhook(ended)) == .ok)
            #expect(!(try await Self.isLive(app, "cal")))
            // Delivered late, the older start changes nothing; a repeated end neither.
            #expect(try await webhook(started, jwt: Self.livekitWebhook(started)) == .ok)
            #expect(try await webhook(ended, jwt: Self.livekitWebhook(ended)) == .ok)
            #expect(!(try await Self.isLive(app, "cal")), "an event older than the last one applied is ignored")
            // A new key replaces the ingress.
            _ = try await Self.choose("lk", token, on: app)
            #expect(api.bodies["POST /twirp/livekit.Ingress/DeleteIngress"]?.contains(#""ingress_id":"IN_x""#) == true)
        }
    }

    // MARK: What every provider shares

    @Test func hooksWithoutTheSecretAreRefusedAndOthersKeysAreNotTheirs() async throws {
        try await Self.withProviders { app, _ in
            try await app.testing().test(.POST, "api/v1/providers/srs/hooks/on_publish", headers: jsonHeaders,
                                         body: json(["action": "on_publish", "client_id": "1", "stream": "x"])) {
                #expect($0.status == .unauthorized)
            }
            try await app.testing().test(.POST, "api/v1/providers/nope/hooks/x?token=\(Self.secret)") { #expect($0.status == .notFound) }
            try await app.testing().test(.PATCH, "api/v1/me", headers: bearer(try await app.signUp("dan")),
                                         body: json(["preferredProvider": "nope"])) {
                #expect($0.status == .unprocessableEntity && $0.errorCode == "unknown_provider")
            }
            try await app.testing().test(.GET, "api/v1/providers") { response in
                let ids = try response.content.decode([ProvidersAPIController.ProviderDTO].self).map(\.id)
                #expect(ids == ["builtin", "mtx", "srs", "lk"])
            }
        }
    }

    @Test func malformedHookBodiesAreRefusedNotTrappedOn() async throws {
        try await Self.withProviders { app, _ in
            let bodies = ["", "{", "[]", #"{"action":1}"#, String(repeating: "{\"a\":", count: 500), "\u{0}\u{1}garbage"]
            for (hook, provider) in [("auth", "mtx"), ("on_publish", "srs"), ("on_unpublish", "srs"), ("webhook", "lk")] {
                for body in bodies {
                    try await app.testing().test(.POST, "api/v1/providers/\(provider)/hooks/\(hook)?token=\(Self.secret)",
                                                 headers: jsonHeaders, body: ByteBuffer(string: body)) { response in
                        #expect((400..<500).contains(response.status.code), "\(provider) \(hook) \(body.prefix(20)): \(response.status)")
                    }
                }
            }
            try await app.testing().test(.GET, "api/v1/providers/mtx/hooks/ready?token=\(Self.secret)&path=") { #expect($0.status.code < 500) }
        }
    }

    @Test func everyProviderPrintsItsSnippetWithTheSecretInIt() async throws {
        try await Self.withProviders { app, _ in
            for provider in app.providers.all.dropFirst() {
                let snippet = provider.snippet(hookBase: "https://tv.example")
                #expect(snippet.contains("https://tv.example/api/v1/providers/\(provider.id)/hooks/"), "\(provider.id)")
                if provider.definition.kind != .livekit { #expect(snippet.contains(Self.secret), "\(provider.id)") }
            }
        }
    }
}

/// A remote API answering with documented bodies, recording what it was asked.
final class ScriptedAPI: Client, @unchecked Sendable {
    let eventLoop: any EventLoop
    private let state = NIOLockedValueBox((answers: [String: String](), requests: [String](), bodies: [String: String](),
                                           authorizations: [String]()))

    init(eventLoop: any EventLoop) {
        self.eventLoop = eventLoop
    }

    func answer(_ method: HTTPMethod, _ path: String, _ body: String) {
        state.withLockedValue { $0.answers["\(method) \(path)"] = body }
    }

    var requests: [String] { state.withLockedValue { $0.requests } }
    var bodies: [String: String] { state.withLockedValue { $0.bodies } }
    var authorizations: [String] { state.withLockedValue { $0.authorizations } }

    func delegating(to eventLoop: any EventLoop) -> any Client { self }

    func send(_ request: ClientRequest) -> EventLoopFuture<ClientResponse> {
        let line = "\(request.method) \(request.url.path)"
        let body = state.withLockedValue { state in
            state.requests.append(line)
            state.bodies[line] = request.body.map { String(buffer: $0) }
            if let authorization = request.headers.first(name: .authorization) { state.authorizations.append(authorization) }
            return state.answers[line]
        }
        let response = ClientResponse(status: body == nil ? .notFound : .ok, headers: ["Content-Type": "application/json"],
                                      body: ByteBuffer(string: body ?? "{}"))
        return eventLoop.makeSucceededFuture(response)
    }
}
