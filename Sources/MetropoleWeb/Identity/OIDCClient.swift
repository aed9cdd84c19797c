import Crypto
import Foundation
import JWTKit
import MetropoleIdentity
import Vapor

/// OpenID Connect sign-in as a relying party (decision 0030): discovery, the authorization
/// code flow with PKCE (S256), the code exchanged at the token endpoint, and the ID token
/// verified against the issuer's JWKS (signature, `iss`, `aud`, `exp`, `nonce`).
actor OIDCClient {
    let configuration: IdentityConfiguration.OIDC
    let redirectURI: String
    private let http: IdentityHTTP
    private var discovery: Discovery?
    private var keys: JWTKeyCollection?
    private var keysFetchedAt: Date?

    init(configuration: IdentityConfiguration.OIDC, publicURL: URL, http: IdentityHTTP) {
        self.configuration = configuration
        self.redirectURI = publicURL.absoluteString + SiteURL.oidcCallback.path
        self.http = http
    }

    /// The issuer's `/.well-known/openid-configuration` (the parts we use).
    struct Discovery: Decodable, Sendable {
        var issuer: String
        var authorization_endpoint: String
        var token_endpoint: String
        var jwks_uri: String
        var token_endpoint_auth_methods_supported: [String]?
        var code_challenge_methods_supported: [String]?
    }

    enum Failure: Error, CustomStringConvertible {
        case provider(String)
        case token(String)

        var description: String {
            switch self {
            case .provider(let reason): "the identity provider could not be used: \(reason)"
            case .token(let reason): "the identity provider's token was refused: \(reason)"
            }
        }
    }

    /// The claims Metropole reads from an ID token.
    struct IDToken: JWTIdentityToken {
        var iss: IssuerClaim
        var sub: SubjectClaim
        var aud: AudienceClaim
        var exp: ExpirationClaim
        var nonce: String?
        var preferred_username: String?
        var nickname: String?
        var name: String?
        var given_name: String?
        var family_name: String?
        var email: String?
        var picture: String?

        var audience: AudienceClaim { aud }

        /// Signature and audience are jwt-kit's; expiry here, with a minute for clocks.
        func verify(using algorithm: some JWTAlgorithm) throws {
            try exp.verifyNotExpired(currentDate: Date().addingTimeInterval(-60))
        }

        var profile: ExternalProfile {
            let joined = [given_name, family_name].compactMap { $0 }.joined(separator: " ")
            let display = name ?? (joined.isEmpty ? nil : joined)
            return ExternalProfile(username: preferred_username ?? nickname, firstName: given_name, lastName: family_name,
                                   displayName: display.map { String($0.prefix(ExternalProfile.displayNameLimit)) },
                                   email: email, imageURL: picture.flatMap { $0.hasPrefix("https://") || $0.hasPrefix("http://") ? $0 : nil })
        }
    }

    // MARK: The flow

    /// Where to send the browser: the provider's authorization endpoint with our request.
    func authorizationURL(state: String, nonce: String, verifier: String) async throws -> String {
        let discovery = try await discover()
        guard var components = URLComponents(string: discovery.authorization_endpoint) else {
            throw Failure.provider("bad authorization_endpoint")
        }
        var items = components.queryItems ?? []
        items += [
            URLQueryItem(name: "response_type", value: "code"),
            URLQueryItem(name: "client_id", value: configuration.clientID),
            URLQueryItem(name: "redirect_uri", value: redirectURI),
            URLQueryItem(name: "scope", value: "openid profile email"),
            URLQueryItem(name: "state", value: state),
            URLQueryItem(name: "nonce", value: nonce),
            URLQueryItem(name: "code_challenge", value: Self.challenge(for: verifier)),
            URLQueryItem(name: "code_challenge_method", value: "S256"),
        ]
        components.queryItems = items
        // `+` in a value would read as a space on the other side.
        let query = components.percentEncodedQuery?.replacingOccurrences(of: "+", with: "%2B")
        components.percentEncodedQuery = query
        guard let url = components.string else { throw Failure.provider("bad authorization_endpoint") }
        return url
    }

    /// Exchanges the code for tokens and verifies the ID token.
    func finish(code: String, verifier: String, nonce: String) async throws -> IDToken {
        let discovery = try await discover()
        var form = [
            "grant_type": "authorization_code", "code": code, "redirect_uri": redirectURI, "code_verifier": verifier,
        ]
        var headers: HTTPHeaders = ["Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json"]
        let methods = discovery.token_endpoint_auth_methods_supported ?? ["client_secret_basic"]
        if let secret = configuration.clientSecret, methods.contains("client_secret_basic") || !methods.contains("client_secret_post") {
            // RFC 6749 §2.3.1: each part form-encoded before Basic.
            let credentials = Self.formEncode(configuration.clientID) + ":" + Self.formEncode(secret)
            headers.add(name: .authorization, value: "Basic " + Data(credentials.utf8).base64EncodedString())
        } else {
            form["client_id"] = configuration.clientID
            if let secret = configuration.clientSecret { form["client_secret"] = secret }
        }
        let body = form.sorted { $0.key < $1.key }.map { Self.formEncode($0.key) + "=" + Self.formEncode($0.value) }.joined(separator: "&")
        let answer = try await http.send(.POST, discovery.token_endpoint, headers: headers, body: ByteBuffer(string: body), limit: 256 * 1024)
        struct Tokens: Decodable { var id_token: String? }
        guard answer.status == .ok, let tokens = try? JSONDecoder().decode(Tokens.self, from: Data(buffer: answer.body)),
              let idToken = tokens.id_token
        else { throw Failure.provider("the token endpoint answered \(answer.status.code) without an id_token") }
        return try await verify(idToken, nonce: nonce)
    }

    /// The ID token's claims once its signature (a key of the issuer's JWKS, fetched again
    /// once when a new key id appears), issuer, audience, expiry and nonce all check out.
    func verify(_ idToken: String, nonce: String) async throws -> IDToken {
        let discovery = try await discover()
        let keys: JWTKeyCollection
        if let cached = self.keys { keys = cached } else { keys = try await fetchKeys(discovery) }
        do {
            return try await Self.verify(idToken, keys: keys, issuer: discovery.issuer, clientID: configuration.clientID, nonce: nonce)
        } catch where keysFetchedAt.map({ Date().timeIntervalSince($0) > 60 }) ?? true {
            // Perhaps a key the provider rotated in since we fetched its set.
            let fresh = try await fetchKeys(discovery)
            return try await Self.verify(idToken, keys: fresh, issuer: discovery.issuer, clientID: configuration.clientID, nonce: nonce)
        }
    }

    /// The checks themselves, apart from fetching: what the tests drive with keys of their own.
    static func verify(_ idToken: String, keys: JWTKeyCollection, issuer: String, clientID: String, nonce: String) async throws -> IDToken {
        let token: IDToken
        do {
            token = try await keys.verify(idToken, as: IDToken.self, expectedAudience: clientID)
        } catch {
            throw Failure.token("\(error)")
        }
        guard token.iss.value == issuer else { throw Failure.token("issued by \(token.iss.value), not \(issuer)") }
        guard let presented = token.nonce, TokenSecret.constantTimeEquals(presented, nonce) else {
            throw Failure.token("the nonce does not match this sign-in")
        }
        guard !token.sub.value.isEmpty, token.sub.value.count <= 255 else { throw Failure.token("no usable subject") }
        return token
    }

    // MARK: Fetching

    private func discover() async throws -> Discovery {
        if let discovery { return discovery }
        let issuer = configuration.issuer.absoluteString
        let url = (issuer.hasSuffix("/") ? String(issuer.dropLast()) : issuer) + "/.well-known/openid-configuration"
        let answer = try await http.send(.GET, url, headers: ["Accept": "application/json"], limit: 256 * 1024)
        guard answer.status == .ok, let document = try? JSONDecoder().decode(Discovery.self, from: Data(buffer: answer.body)) else {
            throw Failure.provider("\(url) answered \(answer.status.code), not a discovery document")
        }
        // OpenID Connect Discovery §4.3: the document's issuer is exactly the one configured.
        guard document.issuer == issuer else {
            throw Failure.provider("the discovery document names issuer \(document.issuer), not \(issuer)")
        }
        if let methods = document.code_challenge_methods_supported, !methods.contains("S256") {
            throw Failure.provider("the provider does not support PKCE with S256")
        }
        discovery = document
        return document
    }

    private func fetchKeys(_ discovery: Discovery) async throws -> JWTKeyCollection {
        let answer = try await http.send(.GET, discovery.jwks_uri, headers: ["Accept": "application/json"], limit: 256 * 1024)
        guard answer.status == .ok else { throw Failure.provider("\(discovery.jwks_uri) answered \(answer.status.code)") }
        let collection = JWTKeyCollection()
        do { try await collection.add(jwksJSON: String(buffer: answer.body)) } catch {
            throw Failure.provider("\(discovery.jwks_uri) is not a usable JWKS: \(error)")
        }
        keys = collection
        keysFetchedAt = Date()
        return collection
    }

    // MARK: PKCE and forms

    /// RFC 7636 §4.2: BASE64URL(SHA256(ASCII(code_verifier))).
    static func challenge(for verifier: String) -> String {
        TokenSecret.base64URL(Array(SHA256.hash(data: Data(verifier.utf8))))
    }

    static func formEncode(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: .urlQueryValueAllowed) ?? text
    }
}

extension Application {
    private struct OIDCClientKey: StorageKey { typealias Value = OIDCClient }

    /// Nil unless `METROPOLE_OIDC_ISSUER` and `METROPOLE_OIDC_CLIENT_ID` are set.
    var oidc: OIDCClient? {
        get { storage[OIDCClientKey.self] }
        set { storage[OIDCClientKey.self] = newValue }
    }
}
