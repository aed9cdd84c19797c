import Crypto
import Foundation

/// Standard Webhooks v1 signing (https://www.standardwebhooks.com): `whsec_` + base64 secrets,
/// `v1,` + base64(HMAC-SHA256(key, "{id}.{timestamp}.{body}")).
enum StandardWebhookSignature {
    static let secretPrefix = "whsec_"

    /// A new secret: 32 random bytes.
    static func generateSecret() -> String {
        secretPrefix + Data(SymmetricKey(size: .bits256).withUnsafeBytes { Array($0) }).base64EncodedString()
    }

    /// The HMAC key of a `whsec_…` secret (the decoded bytes), or nil when it is not one of
    /// at least 24 bytes.
    static func key(of secret: String) -> SymmetricKey? {
        guard secret.hasPrefix(secretPrefix), let bytes = Data(base64Encoded: String(secret.dropFirst(secretPrefix.count))),
              bytes.count >= 24, bytes.count <= 64
        else { return nil }
        return SymmetricKey(data: bytes)
    }

    /// The `webhook-signature` value for one attempt.
    static func sign(id: String, timestamp: Int, body: some DataProtocol, key: SymmetricKey) -> String {
        var content = Data("\(id).\(timestamp).".utf8)
        content.append(contentsOf: body)
        let mac = HMAC<SHA256>.authenticationCode(for: content, using: key)
        return "v1," + Data(mac).base64EncodedString()
    }

    /// The three headers of one attempt.
    static func headers(id: String, timestamp: Int, body: some DataProtocol, key: SymmetricKey) -> [(String, String)] {
        [("webhook-id", id), ("webhook-timestamp", String(timestamp)),
         ("webhook-signature", sign(id: id, timestamp: timestamp, body: body, key: key))]
    }
}
