import Foundation
import Vapor

/// `GET /streams/{username}/chat` (the chat WebSocket) and `GET /streams/{username}/chatters`
/// (who is in the chat now, for the Community tab).
enum ChatAPIController {
    @Sendable static func socket(request: Request) async throws -> Response {
        try WebSocketUpgrade.requireUpgrade(request)
        let stream = try await Channels.stream(named: request.parameters.get("username") ?? "", on: request.db)
        let ownerID = stream.$user.id
        let user = request.currentUser
        // Answered over HTTP before the upgrade, so the client sees why it cannot join.
        try await ChannelAccess.check(user, onChannelOf: ownerID, on: request.db)
        let isStreamer = user?.id == ownerID
        let follows = isStreamer ? false : try await SocialGraph.isFollowing(user?.id, ownerID, on: request.db)
        let participant = ChatParticipant(
            userID: user?.id, username: user?.username, isStreamer: isStreamer,
            viewerKey: ViewerCounter.viewerID(request, fallback: "c:" + UUID().uuidString)
        )
        let chat = request.application.chat
        let room = try await chat.room(for: stream)
        return WebSocketUpgrade.response(maxFrameSize: ChatSocket.maxFrameSize, policy: .chat, registry: request.application.webSockets) {
            ChatSocket(participant: participant, follows: follows, room: room, service: chat)
        }
    }

    struct Chatter: Content {
        var username: String
        var color: String
        var isStreamer: Bool
    }

    struct Chatters: Content {
        /// Distinct people with the chat open, guests included.
        var count: Int
        var guests: Int
        var people: [Chatter]
    }

    static let chattersLimit = 500

    /// `?q=` filters by name; at most 500 names (the count covers everyone).
    @Sendable static func chatters(request: Request) async throws -> Chatters {
        let stream = try await Channels.visibleStream(named: request.parameters.get("username") ?? "", for: request.currentUser, on: request.db)
        guard let room = request.application.chat.existingRoom(ownerID: stream.$user.id) else {
            return Chatters(count: 0, guests: 0, people: [])
        }
        let (people, guests) = room.presence()
        let term = (try? request.query.get(String.self, at: "q")).map(Username.key) ?? ""
        let listed = people.compactMap { person -> Chatter? in
            guard let name = person.username, term.isEmpty || Username.key(name).contains(term) else { return nil }
            return Chatter(username: name, color: ChatColors.color(forUsername: name), isStreamer: person.isStreamer)
        }
        return Chatters(count: people.count + guests, guests: guests, people: Array(listed.prefix(chattersLimit)))
    }
}
