// Standard Webhooks v1 (https://www.standardwebhooks.com): the symmetric scheme that Svix and
// Clerk send and that Metropole signs its own deliveries with. Pure: no Vapor, no I/O, so the
// header parsing that faces the network can be fuzzed on its own.
//
// Signed content is "{id}.{timestamp}.{raw body}", HMAC-SHA256 keyed by the decoded secret,
// standard base64, sent as `v1,<signature>`; one header may carry several space-separated
// entries (key rotation), and one matching entry suffices.
import Crypto
import Foundation

/// A `whsec_` secret: the HMAC key is the base64-decoded part after the prefix.
public struct WebhookSecret: Sendable, Equatable {
    public static let prefix = "whsec_"
    /// The spec asks for 24 to 64 random bytes.
    public static let keyBytes = 24...64

    public let key: [UInt8]

    public init(key: [UInt8]) throws(WebhookVerificationError) {
        guard Self.keyBytes.contains(key.count) else { throw .malformedSecret }
        self.key = key
    }

    /// Parses `whsec_<base64>`; the bare base64 form (as some senders show it) is accepted too.
    public init(string: String) throws(WebhookVerificationError) {
        let encoded = string.hasPrefix(Self.prefix) ? String(string.dropFirst(Self.prefix.count)) : string
        guard let data = Data(base64Encoded: encoded) else { throw .malformedSecret }
        try self.init(key: Array(data))
    }

    /// A fresh secret of 32 random bytes.
    public static func generate() -> WebhookSecret {
        var generator = SystemRandomNumberGenerator()
        // 32 is within `keyBytes`, so this cannot throw.
        return try! WebhookSecret(key: (0..<32).map { _ in generator.next() })
    }

    /// The form shown to people once and pasted into receivers.
    public var string: String { Self.prefix + Data(key).base64EncodedString() }
}

public enum WebhookVerificationError: Error, Equatable, Sendable {
    case malformedSecret
    case missingHeader(String)
    case malformedTimestamp
    /// Further from now than the tolerance, in either direction.
    case timestampOutOfTolerance
    case malformedID
    case noMatchingSignature
}

/// The three headers of one delivery, read under either name family.
public struct WebhookHeaders: Sendable, Equatable {
    /// Standard Webhooks' names first, then the `svix-` names Clerk sends.
    public static let families = ["webhook-", "svix-"]

    public var id: String
    public var timestamp: String
    public var signature: String

    public init(id: String, timestamp: String, signature: String) {
        self.id = id
        self.timestamp = timestamp
        self.signature = signature
    }

    /// Reads the headers through `value(name)` (case-insensitive lookup is the caller's). A
    /// family is used whole: an id under one name and a signature under the other is refused.
    public init(_ value: (String) -> String?) throws(WebhookVerificationError) {
        for family in Self.families {
            if let id = value(family + "id") {
                guard let timestamp = value(family + "timestamp") else { throw .missingHeader(family + "timestamp") }
                guard let signature = value(family + "signature") else { throw .missingHeader(family + "signature") }
                self.init(id: id, timestamp: timestamp, signature: signature)
                return
            }
        }
        throw .missingHeader("webhook-id")
    }

    /// Header pairs for a delivery, under Standard Webhooks' names.
    public var fields: [(name: String, value: String)] {
        [("webhook-id", id), ("webhook-timestamp", timestamp), ("webhook-signature", signature)]
    }
}

public enum StandardWebhooks {
    /// The reference libraries' window for a timestamp, each way.
    public static let defaultTolerance: Int64 = 5 * 60

    /// `v1,<base64 HMAC-SHA256>` over "{id}.{timestamp}.{body}".
    public static func signature(id: String, timestamp: Int64, body: some Sequence<UInt8>, secret: WebhookSecret) -> String {
        "v1," + Data(mac(id: id, timestamp: String(timestamp), body: body, secret: secret)).base64EncodedString()
    }

    /// The headers for one attempt of a delivery.
    public static func sign(id: String, timestamp: Int64, body: some Sequence<UInt8>, secret: WebhookSecret) -> WebhookHeaders {
        WebhookHeaders(id: id, timestamp: String(timestamp),
                       signature: signature(id: id, timestamp: timestamp, body: body, secret: secret))
    }

    /// Verifies a delivery against the raw body; returns its timestamp. `now` is unix seconds.
    @discardableResult
    public static func verify(
        _ headers: WebhookHeaders, body: some Sequence<UInt8>, secret: WebhookSecret,
        now: Int64, tolerance: Int64 = defaultTolerance
    ) throws(WebhookVerificationError) -> Int64 {
        // The spec forbids '.' in both, since the signed content is joined by it.
        guard !headers.id.isEmpty, !headers.id.contains("."), headers.id.utf8.count <= 256 else { throw .malformedID }
        guard headers.timestamp.utf8.count <= 20, headers.timestamp.utf8.allSatisfy({ (0x30...0x39).contains($0) }),
              let timestamp = Int64(headers.timestamp) else { throw .malformedTimestamp }
        // Subtraction in this order cannot overflow: both are non-negative Int64.
        guard abs(now - timestamp) <= tolerance else { throw .timestampOutOfTolerance }
        let expected = mac(id: headers.id, timestamp: headers.timestamp, body: body, secret: secret)
        for entry in headers.signature.split(separator: " ", omittingEmptySubsequences: true) {
            guard entry.hasPrefix("v1,"), let given = Data(base64Encoded: String(entry.dropFirst(3))) else { continue }
            if constantTimeEquals(Array(given), expected) { return timestamp }
        }
        throw .noMatchingSignature
    }

    private static func mac(id: String, timestamp: String, body: some Sequence<UInt8>, secret: WebhookSecret) -> [UInt8] {
        var hmac = HMAC<SHA256>(key: SymmetricKey(data: secret.key))
        hmac.update(data: Array("\(id).\(timestamp).".utf8))
        hmac.update(data: Array(body))
        return Array(hmac.finalize())
    }

    private static func constantTimeEquals(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for index in a.indices { difference |= a[index] ^ b[index] }
        return difference == 0
    }
}
