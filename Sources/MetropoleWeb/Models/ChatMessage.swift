import Fluent
import Foundation

/// One chat message as posted on a channel. The author's name is stored as it was when sent,
/// so history reads without a join; the color is derived from it and never stored.
final class ChatMessage: Model, @unchecked Sendable {
    static let schema = "chat_messages"

    @ID(key: .id) var id: UUID?
    @Parent(key: "channel_owner_id") var channelOwner: User
    @Parent(key: "user_id") var user: User
    @Field(key: "username") var username: String
    @Field(key: "text") var text: String
    @Field(key: "is_streamer") var isStreamer: Bool
    @Field(key: "sent_at") var sentAt: Date

    init() {}

    init(_ record: ChatRecord) {
        self.id = record.id
        self.$channelOwner.id = record.channelOwnerID
        self.$user.id = record.userID
        self.username = record.username
        self.text = record.text
        self.isStreamer = record.isStreamer
        self.sentAt = record.sentAt
    }

    var record: ChatRecord? {
        guard let id else { return nil }
        return ChatRecord(id: id, channelOwnerID: $channelOwner.id, userID: $user.id, username: username,
                          text: text, isStreamer: isStreamer, sentAt: sentAt)
    }
}
