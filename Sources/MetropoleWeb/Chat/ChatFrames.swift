import Foundation
import NIOCore

/// A posted message as the chat keeps it in memory, persists it and sends it.
struct ChatRecord: Sendable, Equatable, Codable {
    var id: UUID
    var channelOwnerID: UUID
    var userID: UUID
    var username: String
    var text: String
    var isStreamer: Bool
    var sentAt: Date
}

/// The JSON frames of the chat protocol (CONTRACT.md, "Chat WebSocket"). Encoding happens once
/// per frame; the same bytes go to every socket.
enum ChatFrame {
    struct Message: Encodable {
        var type = "message"
        var id: UUID
        var username: String
        var color: String
        var text: String
        var sentAt: String
        var isStreamer: Bool

        init(_ record: ChatRecord) {
            id = record.id
            username = record.username
            color = ChatColors.color(forUsername: record.username)
            text = record.text
            sentAt = ChatFrame.timestamp(record.sentAt)
            isStreamer = record.isStreamer
        }
    }

    struct You: Encodable {
        var username: String?
        var color: String?
        var canChat: Bool
        var reason: String?
        var isStreamer: Bool
        var follows: Bool
    }

    /// The viewer's standing changed (new settings, a follow found): `{"type":"you","you":{…}}`.
    struct YouChanged: Encodable {
        var type = "you"
        var you: You
    }

    struct Hello: Encodable {
        var type = "hello"
        var you: You
        var settings: ChatSettings
        var history: [Message]
    }

    struct Settings: Encodable {
        var type = "settings"
        var enabled: Bool
        var slowModeSeconds: Int
        var followersOnly: Bool

        init(_ settings: ChatSettings) {
            enabled = settings.enabled
            slowModeSeconds = settings.slowModeSeconds
            followersOnly = settings.followersOnly
        }
    }

    /// `count`: distinct people watching or chatting (the number the channel header shows);
    /// `chatters`: distinct people with the chat open.
    struct Viewers: Encodable {
        var type = "viewers"
        var count: Int
        var chatters: Int
    }

    struct Failure: Encodable {
        var type = "error"
        var code: String
        var message: String
        var retryAfter: Int?

        init(_ rejection: ChatRejection) {
            code = rejection.code
            message = rejection.message
            retryAfter = rejection.retryAfter
        }

        init(code: String, message: String) {
            self.code = code
            self.message = message
        }
    }

    struct Kicked: Encodable {
        var type = "kicked"
        var reason: String
        var message: String
    }

    /// The JSON bytes of a frame (not yet a WebSocket frame; see `WebSocketFrameBytes`).
    static func json(_ frame: some Encodable) -> ByteBuffer {
        // Encoding these plain structs cannot fail; an empty object keeps a client parsing.
        let data = (try? encoder.encode(frame)) ?? Data("{}".utf8)
        return ByteBuffer(bytes: data)
    }

    static func timestamp(_ date: Date) -> String {
        date.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))
    }

    private static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        return encoder
    }()
}

/// What a client sends: `{"type":"message","text":"…"}`.
struct ChatClientFrame: Decodable {
    var type: String
    var text: String?
}
