/// MetropoleIdentity reads what other identity systems send about their users: user-sync
/// events in Clerk's shape (or a generic sender's) and the usernames Metropole derives from
/// them. Pure: Foundation and swift-crypto only, never Vapor or Fluent, so every parser of
/// that untrusted input is testable (and fuzzable) alone.
import Foundation

/// One user-sync event: `{"type": "user.created" | "user.updated" | "user.deleted", "data": {…}}`.
public struct UserSyncEvent: Sendable, Equatable {
    public enum Kind: String, Sendable {
        case created = "user.created"
        case updated = "user.updated"
        case deleted = "user.deleted"
    }

    public var kind: Kind
    /// The sender's id of the user (`data.id`; Clerk's `user_…`).
    public var subject: String
    /// What the user shows of themselves; nil for `user.deleted`.
    public var profile: ExternalProfile?
    /// When the sender last changed the user, in milliseconds since 1970 (`data.updated_at`,
    /// else the envelope's ISO 8601 `timestamp`); nil when the event carries neither.
    public var changedAt: Int64?

    public init(kind: Kind, subject: String, profile: ExternalProfile?, changedAt: Int64?) {
        self.kind = kind
        self.subject = subject
        self.profile = profile
        self.changedAt = changedAt
    }
}

/// A user as an identity provider describes them (a sync event's `data`, an ID token's claims).
public struct ExternalProfile: Sendable, Equatable {
    public var username: String?
    public var firstName: String?
    public var lastName: String?
    /// A full name when the sender gives one (`name`); otherwise first and last name.
    public var displayName: String?
    public var email: String?
    /// An absolute http(s) URL of the picture; nil when the sender says there is none.
    public var imageURL: String?

    public init(username: String? = nil, firstName: String? = nil, lastName: String? = nil, displayName: String? = nil,
                email: String? = nil, imageURL: String? = nil) {
        self.username = username
        self.firstName = firstName
        self.lastName = lastName
        self.displayName = displayName
        self.email = email
        self.imageURL = imageURL
    }

    public static let displayNameLimit = 64
}

/// Why a body is not a user-sync event we can apply. Events of other types are not errors
/// (`UserSyncEvent.decode` returns nil): senders deliver every event an endpoint subscribed to.
public enum UserSyncEventError: Error, Equatable, CustomStringConvertible {
    case notJSON
    case missingType
    case missingSubject
    case badField(String)

    public var description: String {
        switch self {
        case .notJSON: "The body is not a JSON object with \"type\" and \"data\"."
        case .missingType: "The event has no \"type\"."
        case .missingSubject: "The event's data has no \"id\"."
        case .badField(let name): "The field \"\(name)\" has the wrong type or is too long."
        }
    }
}

extension UserSyncEvent {
    static let subjectLimit = 255
    static let urlLimit = 2048

    /// Decodes a body: the event, nil for a type this endpoint does not handle, or an error.
    public static func decode(_ body: some Collection<UInt8>) throws(UserSyncEventError) -> UserSyncEvent? {
        guard let object = try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any] else { throw .notJSON }
        guard let type = object["type"] as? String else { throw .missingType }
        guard let kind = Kind(rawValue: type) else { return nil }
        guard let data = object["data"] as? [String: Any] else { throw .notJSON }
        let fields = Fields(data)

        guard let subject = try fields.string("id", limit: subjectLimit), !subject.isEmpty else { throw .missingSubject }
        let changedAt = try fields.milliseconds("updated_at") ?? Self.milliseconds(iso8601: object["timestamp"] as? String)
        guard kind != .deleted else { return UserSyncEvent(kind: kind, subject: subject, profile: nil, changedAt: changedAt) }

        var profile = ExternalProfile(
            username: try fields.string("username", limit: 255),
            firstName: try fields.string("first_name", limit: 255),
            lastName: try fields.string("last_name", limit: 255),
            displayName: try fields.string("name", limit: 255),
            email: try fields.string("email", limit: 320) ?? primaryEmail(data),
            imageURL: nil
        )
        profile.imageURL = try fields.string("image_url", limit: urlLimit)
        if profile.imageURL == nil { profile.imageURL = try fields.string("avatar_url", limit: urlLimit) }
        if profile.displayName == nil {
            let joined = [profile.firstName, profile.lastName].compactMap { $0 }.joined(separator: " ")
            profile.displayName = joined.isEmpty ? nil : joined
        }
        profile.displayName = profile.displayName.map { String($0.prefix(ExternalProfile.displayNameLimit)) }
        // Clerk always sends an `image_url` (a generated picture) and says in `has_image`
        // whether the user chose one.
        if data["has_image"] as? Bool == false { profile.imageURL = nil }
        if let url = profile.imageURL, !(url.hasPrefix("https://") || url.hasPrefix("http://")) { profile.imageURL = nil }
        return UserSyncEvent(kind: kind, subject: subject, profile: profile, changedAt: changedAt)
    }

    /// Clerk: the `email_addresses` entry whose `id` is `primary_email_address_id`, else the first.
    private static func primaryEmail(_ data: [String: Any]) -> String? {
        guard let addresses = data["email_addresses"] as? [[String: Any]], !addresses.isEmpty else { return nil }
        let primaryID = data["primary_email_address_id"] as? String
        let entry = addresses.first { primaryID != nil && $0["id"] as? String == primaryID } ?? addresses[0]
        guard let email = entry["email_address"] as? String, email.count <= 320 else { return nil }
        return email
    }

    static func milliseconds(iso8601 text: String?) -> Int64? {
        guard let text else { return nil }
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        let date = formatter.date(from: text) ?? ISO8601DateFormatter().date(from: text)
        return date.map { Int64(($0.timeIntervalSince1970 * 1000).rounded()) }
    }
}

/// Typed reads of one JSON object: null and absent are nil, anything else of the wrong type
/// is an error naming the field.
private struct Fields {
    let object: [String: Any]
    init(_ object: [String: Any]) { self.object = object }

    func string(_ name: String, limit: Int) throws(UserSyncEventError) -> String? {
        guard let value = object[name], !(value is NSNull) else { return nil }
        guard let text = value as? String, text.count <= limit else { throw .badField(name) }
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        return trimmed.isEmpty ? nil : trimmed
    }

    func milliseconds(_ name: String) throws(UserSyncEventError) -> Int64? {
        guard let value = object[name], !(value is NSNull) else { return nil }
        // JSONSerialization gives NSNumber, booleans too (objCType "c"; `is Bool` would also
        // hold for the numbers 0 and 1).
        guard let number = value as? NSNumber, String(cString: number.objCType) != "c", number.doubleValue.isFinite,
              abs(number.doubleValue) < 1e15
        else { throw .badField(name) }
        return number.int64Value
    }
}
