import Crypto
import Foundation

/// Endpoint secrets at rest: sealed with AES-GCM under a key kept in the data dir
/// (`webhook-secrets.key`, 32 random bytes, mode 0600, made on first start). They must be
/// recoverable to sign, so they cannot be hashed like stream keys; a database dump alone does
/// not reveal them. Moving an installation means moving this file with the database.
struct WebhookSecretBox: Sendable {
    static let fileName = "webhook-secrets.key"
    private let key: SymmetricKey

    init(key: SymmetricKey) { self.key = key }

    struct Failure: Error, CustomStringConvertible { var description: String }

    /// The data dir's key, created when missing.
    static func load(dataDirectory: URL) throws -> WebhookSecretBox {
        let path = dataDirectory.appendingPathComponent(fileName).path
        if let bytes = FileManager.default.contents(atPath: path) {
            guard bytes.count == 32 else { throw Failure(description: "\(path) is not a 32-byte key; restore it from a backup or remove it (every webhook secret then stops working)") }
            return WebhookSecretBox(key: SymmetricKey(data: bytes))
        }
        let key = SymmetricKey(size: .bits256)
        let bytes = key.withUnsafeBytes { Data($0) }
        guard FileManager.default.createFile(atPath: path, contents: bytes, attributes: [.posixPermissions: 0o600]) else {
            throw Failure(description: "cannot write \(path)")
        }
        return WebhookSecretBox(key: key)
    }

    func seal(_ secret: String) throws -> String {
        guard let combined = try AES.GCM.seal(Data(secret.utf8), using: key).combined else {
            throw Failure(description: "AES-GCM gave no combined box")
        }
        return combined.base64EncodedString()
    }

    func open(_ sealed: String) throws -> String {
        guard let data = Data(base64Encoded: sealed) else { throw Failure(description: "sealed secret is not base64") }
        let plain = try AES.GCM.open(AES.GCM.SealedBox(combined: data), using: key)
        guard let secret = String(data: plain, encoding: .utf8) else { throw Failure(description: "sealed secret is not text") }
        return secret
    }
}
