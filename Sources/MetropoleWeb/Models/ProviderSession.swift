import Fluent
import Foundation

/// A stream's session on an external provider (`ExternalStreams`), kept in the database so that
/// whichever node the provider's next hook reaches knows it (decision 0053). One row per stream;
/// an ended session stays as `ended` so that a late, older event about it changes nothing.
final class ProviderSession: Model, @unchecked Sendable {
    static let schema = "provider_sessions"

    /// The stream's id.
    @ID(key: .id) var id: UUID?
    @Field(key: "provider") var provider: String
    @Field(key: "username") var username: String
    @Field(key: "session_id") var sessionID: String
    @Field(key: "key_digest") var keyDigest: String
    @Field(key: "started_at") var startedAt: Date
    @Field(key: "last_seen") var lastSeen: Date
    /// The newest event time the provider gave for this session (LiveKit's `createdAt`).
    @OptionalField(key: "last_event_at") var lastEventAt: Date?
    @Field(key: "ended") var ended: Bool

    init() {}

    init(streamID: UUID) {
        self.id = streamID
    }

    var session: ExternalSession? {
        id.map { ExternalSession(streamID: $0, providerID: provider, username: username, sessionID: sessionID,
                                 keyDigest: keyDigest, startedAt: startedAt, lastSeen: lastSeen) }
    }
}
