import Crypto
import Foundation
import JWTKit
import MetropoleMedia
import Vapor

/// LiveKit Ingress. LiveKit issues the stream key itself (`CreateIngress`, one ingress per
/// channel, its id kept on the stream); Metropole stores that key like its own and replaces
/// the ingress when the creator asks for a new key.
/// - Webhooks (`ingress_started`, `ingress_ended`) → hook `webhook`, signed: `Authorization`
///   is an HS256 JWT by the API secret, `iss` the API key, and the claim `sha256` the
///   base64 SHA-256 of the body, checked against the body received.
/// - Cut off: `DeleteIngress`.
struct LiveKitProvider: StreamingProvider {
    let definition: ProviderDefinition
    var protocols: [IngestProtocol] { [.rtmp] }

    func credentials(key: String, username: String, protocol ingestProtocol: IngestProtocol) -> Ingress.Credentials? {
        guard ingestProtocol == .rtmp, let url = definition.ingest?.rtmp else { return nil }
        return Ingress.Credentials(ingestProtocol: .rtmp, serverURL: Self.fill(url, username: username), streamKey: key)
    }

    // MARK: Keys from LiveKit

    struct IngressInfo: Codable, Equatable {
        var ingress_id: String
        var stream_key: String
        var url: String?
    }

    /// A new ingress for the channel (the old one deleted): its key and id.
    func issueKey(username: String, replacing old: String?, client: any Client) async throws -> IngressInfo {
        if let old { try await call("DeleteIngress", ["ingress_id": old], client: client) }
        let created = try await call("CreateIngress", [
            "input_type": "RTMP_INPUT", "name": username, "room_name": username,
            "participant_identity": "\(username)-ingest", "participant_name": username,
        ], client: client)
        return try JSONDecoder().decode(IngressInfo.self, from: Data(buffer: created))
    }

    func disconnect(_ session: ExternalSession, client: any Client) async {
        _ = try? await call("DeleteIngress", ["ingress_id": session.sessionID], client: client)
    }

    /// A Twirp call with a short-lived admin token.
    @discardableResult
    private func call(_ method: String, _ body: [String: String], client: any Client) async throws -> ByteBuffer {
        guard let api = definition.api, let key = api.key, let secret = api.secret else { throw Abort(.internalServerError) }
        let keys = JWTKeyCollection()
        await keys.add(hmac: HMACKey(from: secret), digestAlgorithm: .sha256)
        let token = try await keys.sign(AdminClaims(iss: .init(value: key), exp: .init(value: Date().addingTimeInterval(60)),
                                                    video: .init(ingressAdmin: true)))
        let response = try await client.post(URI(string: api.url + "/twirp/livekit.Ingress/" + method)) { request in
            request.headers.bearerAuthorization = .init(token: token)
            try request.content.encode(body, as: .json)
        }
        guard response.status == .ok, let body = response.body else {
            throw APIError(status: .badGateway, code: "provider_error", message: "LiveKit answered \(response.status.code) to \(method).")
        }
        return body
    }

    struct AdminClaims: JWTPayload {
        struct Video: Codable { var ingressAdmin: Bool }
        var iss: IssuerClaim
        var exp: ExpirationClaim
        var video: Video
        func verify(using algorithm: some JWTAlgorithm) throws { try exp.verifyNotExpired() }
    }

    // MARK: Webhooks

    struct WebhookClaims: JWTPayload {
        var iss: IssuerClaim
        var exp: ExpirationClaim
        var sha256: String
        func verify(using algorithm: some JWTAlgorithm) throws { try exp.verifyNotExpired() }
    }

    struct Event: Decodable {
        struct Info: Decodable { var ingressId: String }
        var event: String
        var id: String?
        var ingressInfo: Info?
        /// Unix seconds, as a string (protojson's int64).
        var createdAt: String?

        var time: Date? { createdAt.flatMap(Double.init).map(Date.init(timeIntervalSince1970:)) }
    }

    /// Webhooks prove themselves with their signed JWT, not a URL token.
    func authenticate(_ request: Request) -> Bool { true }

    func hook(_ name: String, _ request: Request, streams: ExternalStreams) async throws -> Response {
        guard name == "webhook" else { throw APIError.notFound("LiveKit has no hook \"\(name)\".") }
        let body = request.body.data ?? ByteBuffer()
        guard try await Self.verify(body: body, authorization: request.headers.first(name: .authorization),
                                    key: definition.api?.key, secret: definition.api?.secret) else {
            return Response(status: .unauthorized)
        }
        let event = try JSONDecoder().decode(Event.self, from: Data(buffer: body))
        guard let ingress = event.ingressInfo?.ingressId else { return Response(status: .ok) }
        switch event.event {
        case "ingress_started":
            if let stream = try await Stream.query(on: request.db).filter(\.$providerIngress, .equal, ingress).with(\.$user).first(),
               stream.user.preferredProvider == id {
                await streams.started(stream, provider: id, sessionID: ingress, at: event.time)
            }
        case "ingress_ended":
            await streams.ended(provider: id, sessionID: ingress, at: event.time)
        default:
            break
        }
        return Response(status: .ok)
    }

    /// LiveKit's `webhook.Receive`: the JWT verifies with the key's secret and its `sha256`
    /// claim is the body's.
    static func verify(body: ByteBuffer, authorization: String?, key: String?, secret: String?) async throws -> Bool {
        guard let token = authorization, let key, let secret else { return false }
        let keys = JWTKeyCollection()
        await keys.add(hmac: HMACKey(from: secret), digestAlgorithm: .sha256)
        guard let claims = try? await keys.verify(token, as: WebhookClaims.self), claims.iss.value == key else { return false }
        let digest = Data(SHA256.hash(data: Array(buffer: body))).base64EncodedString()
        return TokenSecret.constantTimeEquals(digest, claims.sha256)
    }

    func snippet(hookBase: String) -> String {
        """
        # livekit.yaml for Metropole provider "\(id)"
        webhook:
          api_key: \(definition.api?.key ?? "<api.key>")
          urls:
            - \(hookBase + SiteURL.api(.providerHook(id, "webhook")).path)

        """
    }
}
