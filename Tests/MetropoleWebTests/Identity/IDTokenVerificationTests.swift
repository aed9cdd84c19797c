import Foundation
import JWTKit
import Testing
@testable import MetropoleWeb

/// The product's ID token checks (`OIDCClient.verify`) against tokens minted here with
/// jwt-kit, the issuer's keys given as the JWKS a provider would serve.
@Suite struct IDTokenVerificationTests {
    static let issuer = "https://id.example.org"
    static let clientID = "metropole"
    static let nonce = "n-0S6_WzA2Mj"

    struct Claims: JWTPayload {
        var iss: IssuerClaim
        var sub: SubjectClaim
        var aud: AudienceClaim
        var exp: ExpirationClaim
        var iat: IssuedAtClaim
        var nonce: String?
        var preferred_username: String?
        func verify(using algorithm: some JWTAlgorithm) throws {}
    }

    static func claims(aud: [String] = [clientID], iss: String = issuer, expiresIn: TimeInterval = 300,
                       nonce: String? = nonce) -> Claims {
        Claims(iss: .init(value: iss), sub: .init(value: "248289761001"), aud: .init(value: aud),
               exp: .init(value: Date().addingTimeInterval(expiresIn)), iat: .init(value: Date().addingTimeInterval(-10)),
               nonce: nonce, preferred_username: "jane")
    }

    /// A signing key and the issuer's key set as its JWKS document says it.
    static func issuerKeys() async throws -> (signer: JWTKeyCollection, published: JWTKeyCollection) {
        let key = ES256PrivateKey()
        let signer = await JWTKeyCollection().add(ecdsa: key, kid: "k1")
        let parameters = try #require(key.parameters)
        let jwks = #"{"keys":[{"kty":"EC","crv":"P-256","alg":"ES256","use":"sig","kid":"k1","x":"\#(parameters.x)","y":"\#(parameters.y)"}]}"#
        let published = try await JWTKeyCollection().add(jwksJSON: jwks)
        return (signer, published)
    }

    static func verify(_ token: String, keys: JWTKeyCollection) async throws -> OIDCClient.IDToken {
        try await OIDCClient.verify(token, keys: keys, issuer: issuer, clientID: clientID, nonce: nonce)
    }

    @Test func aGoodTokenIsAccepted() async throws {
        let (signer, published) = try await Self.issuerKeys()
        let token = try await signer.sign(Self.claims(), kid: "k1")
        let verified = try await Self.verify(token, keys: published)
        #expect(verified.sub.value == "248289761001")
        #expect(verified.profile.username == "jane")
    }

    @Test func aWrongAudienceIsRefused() async throws {
        let (signer, published) = try await Self.issuerKeys()
        for aud in [["another-client"], [Self.clientID, "another-client"]] {
            let token = try await signer.sign(Self.claims(aud: aud), kid: "k1")
            await #expect(throws: OIDCClient.Failure.self) { try await Self.verify(token, keys: published) }
        }
    }

    @Test func anExpiredTokenIsRefused() async throws {
        let (signer, published) = try await Self.issuerKeys()
        let token = try await signer.sign(Self.claims(expiresIn: -120), kid: "k1")
        await #expect(throws: OIDCClient.Failure.self) { try await Self.verify(token, keys: published) }
    }

    @Test func aTokenSignedByAnotherKeyIsRefused() async throws {
        let (_, published) = try await Self.issuerKeys()
        let (impostor, _) = try await Self.issuerKeys()
        // Same key id, different key: the signature does not verify.
        let token = try await impostor.sign(Self.claims(), kid: "k1")
        await #expect(throws: OIDCClient.Failure.self) { try await Self.verify(token, keys: published) }
    }

    @Test func anotherIssuerOrNonceIsRefused() async throws {
        let (signer, published) = try await Self.issuerKeys()
        let foreign = try await signer.sign(Self.claims(iss: "https://evil.example.org"), kid: "k1")
        await #expect(throws: OIDCClient.Failure.self) { try await Self.verify(foreign, keys: published) }
        let replayed = try await signer.sign(Self.claims(nonce: "from-another-sign-in"), kid: "k1")
        await #expect(throws: OIDCClient.Failure.self) { try await Self.verify(replayed, keys: published) }
        let noNonce = try await signer.sign(Self.claims(nonce: nil), kid: "k1")
        await #expect(throws: OIDCClient.Failure.self) { try await Self.verify(noNonce, keys: published) }
    }

    @Test func unsignedTokensAreRefused() async throws {
        let (_, published) = try await Self.issuerKeys()
        let header = TokenSecret.base64URL(Array(#"{"alg":"none","kid":"k1"}"#.utf8))
        let payload = TokenSecret.base64URL(Array(#"{"iss":"\#(Self.issuer)","sub":"1","aud":"\#(Self.clientID)","exp":9999999999,"nonce":"\#(Self.nonce)"}"#.utf8))
        await #expect(throws: OIDCClient.Failure.self) { try await Self.verify("\(header).\(payload).", keys: published) }
    }

    @Test func pkceChallengeIsRFC7636() {
        // RFC 7636 appendix B.
        #expect(OIDCClient.challenge(for: "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk") == "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM")
    }
}
