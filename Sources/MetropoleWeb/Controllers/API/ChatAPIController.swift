import Fluent
import Vapor

/// `GET /streams/{username}/chat` (the chat WebSocket) and `GET /streams/{username}/chatters`
/// (who is in the chat now, for the Community tab).
enum ChatAPIController {
    @Sendable static func socket(request: Request) async throws -> Response {
        guard request.headers.first(name: .upgrade)?.lowercased() == "websocket" else {
            throw APIError(status: .upgradeRequired, code: "websocket_required", message: "Open this URL as a WebSocket.",
                           headers: ["Upgrade": "websocket"])
        }
        let stream = try await channelStream(request)
        let ownerID = stream.$user.id
        let user = request.currentUser
        // Answered over HTTP before the upgrade, so the client sees why it cannot join.
        if try await Visibility.isBlocked(user, by: ownerID, on: request.db) {
            throw APIError.forbidden("The streamer has blocked you.", code: "blocked")
        }
        if try await Moderation.isKicked(user, fromChannelOf: ownerID, on: request.db) {
            throw APIError.forbidden("The streamer removed you from this channel for a while.", code: "kicked")
        }
        let isStreamer = user?.id == ownerID
        var follows = false
        if let userID = user?.id, !isStreamer {
            follows = try await Follow.query(on: request.db)
                .filter(\.$follower.$id == userID).filter(\.$followed.$id == ownerID).first() != nil
        }
        let participant = ChatParticipant(
            userID: user?.id, username: user?.username, isStreamer: isStreamer,
            viewerKey: PlaybackController.viewerID(request, fallback: "c:" + UUID().uuidString)
        )
        let room = try await request.application.chat.room(for: stream)
        let response = Response(status: .switchingProtocols)
        response.upgrader = ChatUpgrader(participant: participant, follows: follows, room: room, service: request.application.chat)
        return response
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
        let stream = try await StreamListing.visibleStream(named: request.parameters.get("username") ?? "", for: request)
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

    /// The channel's stream without the visibility filter: a blocked viewer gets 403, not 404.
    private static func channelStream(_ request: Request) async throws -> Stream {
        guard let stream = try await Stream.query(on: request.db)
            .join(User.self, on: \Stream.$user.$id == \User.$id)
            .filter(User.self, \.$usernameKey == Username.key(request.parameters.get("username") ?? ""))
            .with(\.$user)
            .first()
        else { throw APIError.notFound("No channel by that name.") }
        return stream
    }
}
