import Fluent
import Foundation
import NIOCore

/// One viewer's chat on a WebSocket: sends `hello`, turns client frames into posts, and takes
/// what the room fans out. The socket itself (closing, pings, slow readers) is the
/// `WebSocketConnection`'s; everything here runs on the socket's event loop.
final class ChatSocket: WebSocketEndpoint {
    /// 500 characters of up to 4 UTF-8 bytes, JSON-escaped, fit well within this.
    static let maxFrameSize = 16 * 1024
    /// Messages waiting for a follower check, per socket; beyond this the sender is far past
    /// any rate limit and the message is refused.
    static let inboxLimit = 32

    let participant: ChatParticipant
    private let room: ChatRoom
    private let service: ChatService
    private weak var connection: WebSocketConnection?
    private var shard: ChatShard?
    /// This socket's place in its shard's room (kept by `ChatShard`).
    var shardIndex = 0
    private var joined = false
    private var inbox: [String] = []
    private var checkingFollow = false
    private var follows: Bool

    init(participant: ChatParticipant, follows: Bool, room: ChatRoom, service: ChatService) {
        self.participant = participant
        self.follows = follows
        self.room = room
        self.service = service
    }

    // MARK: WebSocketEndpoint

    func socketOpened(_ socket: WebSocketConnection) {
        connection = socket
        guard let loop = socket.eventLoop else { return }
        let (settings, history) = room.join(participant)
        joined = true
        let shard = service.fanout.shard(for: loop)
        shard.add(self, ownerID: room.ownerID)
        self.shard = shard
        if service.countsViewers { service.viewers.socketOpened(username: room.ownerName, viewer: participant.viewerKey) }
        send(ChatFrame.Hello(you: you(settings), settings: settings, history: history.map(ChatFrame.Message.init)))
        // The room's last announced figures: counting afresh is O(viewers) per join.
        if let viewers = room.lastViewers { send(viewers) }
    }

    func socket(_ socket: WebSocketConnection, receivedText text: ByteBuffer) {
        receive(String(buffer: text))
    }

    func socket(_ socket: WebSocketConnection, receivedBinary data: ByteBuffer) {
        sendError(code: "invalid_frame", message: "Send JSON text frames.")
    }

    func socketBecameWritable(_ socket: WebSocketConnection) {}

    func socketClosed(_ socket: WebSocketConnection) {
        guard joined else { return }
        joined = false
        shard?.remove(self, ownerID: room.ownerID)
        room.leave(participant)
        if service.countsViewers { service.viewers.socketClosed(username: room.ownerName, viewer: participant.viewerKey) }
    }

    // MARK: Posting

    private var sender: ChatPolicy.Sender {
        ChatPolicy.Sender(isSignedIn: participant.isSignedIn, isStreamer: participant.isStreamer, follows: follows)
    }

    private func you(_ settings: ChatSettings) -> ChatFrame.You {
        let refusal = ChatPolicy.standing(of: sender, under: settings)
        return ChatFrame.You(
            username: participant.username, color: participant.username.map(ChatColors.color(forUsername:)),
            canChat: refusal == nil, reason: refusal?.code, isStreamer: participant.isStreamer, follows: follows
        )
    }

    /// Posts in order: while a follower check is out, later messages wait behind it.
    private func receive(_ raw: String) {
        guard let decoded = try? JSONDecoder().decode(ChatClientFrame.self, from: Data(raw.utf8)) else {
            return sendError(code: "invalid_frame", message: #"Send {"type":"message","text":"…"}."#)
        }
        guard decoded.type == "message", let text = decoded.text else {
            return sendError(code: "invalid_frame", message: "Unknown frame type \"\(decoded.type.prefix(40))\".")
        }
        guard inbox.count < Self.inboxLimit else {
            return sendError(ChatRejection.rateLimited(retryAfter: 1))
        }
        inbox.append(text)
        processInbox()
    }

    private func processInbox() {
        while !checkingFollow, connection?.isClosing == false, !inbox.isEmpty {
            if needsFollowCheck {
                checkFollow()
                return
            }
            post(inbox.removeFirst())
        }
    }

    /// Followers-only needs the database only for signed-in viewers not yet known to follow;
    /// someone who followed after opening the chat can post without reconnecting.
    private var needsFollowCheck: Bool {
        let settings = room.settings
        return participant.isSignedIn && !participant.isStreamer && !follows && settings.followersOnly && settings.enabled
    }

    private func checkFollow() {
        guard let loop = connection?.eventLoop else { return }
        checkingFollow = true
        let socket = NIOLoopBound(self, eventLoop: loop)
        let (followerID, ownerID, database) = (participant.userID, room.ownerID, service.database())
        loop.makeFutureWithTask { try await SocialGraph.isFollowing(followerID, ownerID, on: database) }
            .hop(to: loop)
            .whenComplete { result in
                let socket = socket.value
                socket.checkingFollow = false
                if case .success(true) = result {
                    socket.follows = true
                    socket.send(ChatFrame.YouChanged(you: socket.you(socket.room.settings)))
                }
                guard !socket.inbox.isEmpty, socket.connection?.isClosing == false else { return }
                socket.post(socket.inbox.removeFirst())
                socket.processInbox()
            }
    }

    private func post(_ text: String) {
        switch room.post(text, from: participant, follows: follows, limits: service.limits) {
        case .success(let record):
            service.publish(record, in: room)
        case .failure(let rejection):
            sendError(rejection)
        }
    }

    // MARK: Outbound

    /// Shared frame bytes from a broadcast: one write, one flush.
    func deliver(_ bytes: ByteBuffer) {
        guard let connection, connection.write(bytes) else { return }
        connection.flushIfNeeded()
    }

    /// The room's settings changed (after the shared `settings` frame): this viewer's standing.
    func settingsChanged(_ settings: ChatSettings) {
        send(ChatFrame.YouChanged(you: you(settings)))
    }

    private func send(_ frame: some Encodable) {
        guard let connection else { return }
        connection.sendText(ChatFrame.json(frame))
        connection.flushIfNeeded()
    }

    private func sendError(_ rejection: ChatRejection) {
        send(ChatFrame.Failure(rejection))
    }

    private func sendError(code: String, message: String) {
        send(ChatFrame.Failure(code: code, message: message))
    }

    /// Kicked or blocked: tell the client why, close with 4003, and stop reading its messages.
    func eject(_ reason: EjectionReason) {
        let message = switch reason {
        case .blocked: "The streamer blocked you."
        case .kicked: "You were removed from this chat by the streamer."
        case .suspended: "Your account is suspended."
        }
        send(ChatFrame.Kicked(reason: reason.rawValue, message: message))
        connection?.close(.ejected)
    }
}
