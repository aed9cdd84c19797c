import Fluent
import Foundation
import NIOCore
import NIOWebSocket

/// One chat WebSocket after the upgrade: sends `hello`, turns client frames into posts, and
/// writes what the shard fans out. Everything here runs on the socket's event loop.
final class ChatSocketHandler: ChannelInboundHandler {
    typealias InboundIn = WebSocketFrame

    /// The outbound queue's bound: a reader this far behind is dropped, never waited for.
    static let writeBufferWaterMark = ChannelOptions.Types.WriteBufferWaterMark(low: 64 * 1024, high: 256 * 1024)
    /// Messages waiting for a follower check, per socket; beyond this the sender is far
    /// past any rate limit and the message is refused.
    static let inboxLimit = 32
    static let closeGrace: TimeAmount = .seconds(1)

    let participant: ChatParticipant
    private let room: ChatRoom
    private let service: ChatService
    /// Writes go through the outlet's context, which is next to the socket.
    private let outlet: RawFrameOutlet
    private var context: ChannelHandlerContext?
    private var shard: ChatShard?
    /// This socket's place in its shard's room (kept by `ChatShard`).
    var shardIndex = 0
    /// Mirrors the channel's writability from `channelWritabilityChanged`, so a broadcast need
    /// not ask the channel for each socket.
    private var isWritable = true
    /// When the client last sent anything (a pong counts), and the keepalive ping it has not
    /// answered yet.
    private var lastHeard = NIODeadline.now()
    private var pingSentAt: NIODeadline?
    private var needsFlush = false
    private var closing = false
    private var joined = false
    private var inbox: [String] = []
    private var checkingFollow = false
    private var follows: Bool

    init(participant: ChatParticipant, follows: Bool, room: ChatRoom, service: ChatService, outlet: RawFrameOutlet) {
        self.outlet = outlet
        self.participant = participant
        self.follows = follows
        self.room = room
        self.service = service
    }

    // MARK: Lifecycle

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        context.channel.setOption(ChannelOptions.writeBufferWaterMark, value: Self.writeBufferWaterMark).whenFailure { _ in }
        let (settings, history) = room.join(participant)
        joined = true
        let shard = service.fanout.shard(for: context.eventLoop)
        shard.add(self, ownerID: room.ownerID)
        self.shard = shard
        service.viewers.socketOpened(username: room.ownerName, viewer: participant.viewerKey)
        send(ChatFrame.Hello(you: you(settings), settings: settings, history: history.map(ChatFrame.Message.init)))
        // The room's last announced figures: counting afresh is O(viewers) per join.
        if let viewers = room.lastViewers { send(viewers) }
        flushIfNeeded()
    }

    func channelInactive(context: ChannelHandlerContext) {
        leave()
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        leave()
        self.context = nil
    }

    private func leave() {
        guard joined else { return }
        joined = false
        shard?.remove(self, ownerID: room.ownerID)
        room.leave(participant)
        service.viewers.socketClosed(username: room.ownerName, viewer: participant.viewerKey)
    }

    private func you(_ settings: ChatSettings) -> ChatFrame.You {
        let refusal: ChatRejection? = if !participant.isSignedIn {
            .notSignedIn
        } else if !settings.enabled {
            .chatDisabled
        } else if settings.followersOnly && !participant.isStreamer && !follows {
            .followersOnly
        } else {
            nil
        }
        return ChatFrame.You(
            username: participant.username, color: participant.username.map(ChatColors.color(forUsername:)),
            canChat: refusal == nil, reason: refusal?.code, isStreamer: participant.isStreamer, follows: follows
        )
    }

    // MARK: Inbound

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        lastHeard = .now()
        pingSentAt = nil
        switch frame.opcode {
        case .text:
            var payload = frame.unmaskedData
            receive(payload.readString(length: payload.readableBytes) ?? "")
        case .binary:
            sendError(code: "invalid_frame", message: "Send JSON text frames.")
        case .ping:
            writeRaw(WebSocketFrameBytes.pong(frame.unmaskedData))
            flushIfNeeded()
        case .connectionClose:
            if closing {
                context.close(promise: nil)
            } else {
                closing = true
                var payload = frame.unmaskedData
                let code = payload.readInteger(as: UInt16.self) ?? 1000
                let channel = context.channel
                let answered = context.eventLoop.makePromise(of: Void.self)
                outlet.context?.writeAndFlush(NIOAny(WebSocketFrameBytes.close(code: code == 1005 ? 1000 : code)), promise: answered)
                answered.futureResult.whenComplete { _ in channel.close(promise: nil) }
            }
        default:
            break
        }
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        isWritable = context.channel.isWritable
        context.fireChannelWritabilityChanged()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // A malformed or oversized frame: say why (1002 / 1009) and end only this socket.
        let code: UInt16 = (error as? NIOWebSocketError) == .invalidFrameLength ? 1009 : 1002
        close(code: code)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is ChannelShouldQuiesceEvent { goAway() } else { context.fireUserInboundEventTriggered(event) }
    }

    /// Posts in order: while a follower check is out, later messages wait behind it.
    private func receive(_ raw: String) {
        guard !closing else { return }
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
        while !checkingFollow, !closing, !inbox.isEmpty {
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
        participant.isSignedIn && !participant.isStreamer && !follows && room.settings.followersOnly && room.settings.enabled
    }

    private func checkFollow() {
        guard let context, let userID = participant.userID else { return }
        checkingFollow = true
        let ownerID = room.ownerID
        let handler = NIOLoopBound(self, eventLoop: context.eventLoop)
        Follow.query(on: service.database())
            .filter(\.$follower.$id == userID).filter(\.$followed.$id == ownerID)
            .first()
            .hop(to: context.eventLoop)
            .whenComplete { result in
                let socket = handler.value
                socket.checkingFollow = false
                if case .success(let found) = result, found != nil { socket.follows = true }
                guard !socket.inbox.isEmpty, !socket.closing else { return }
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

    /// Sends shared frame bytes from a broadcast: one write, one flush.
    func deliver(_ bytes: ByteBuffer) {
        if write(bytes) { flushIfNeeded() }
    }

    /// Queues frame bytes; false when the socket is closing or was just dropped.
    @discardableResult
    private func write(_ frame: ByteBuffer) -> Bool {
        guard context != nil, !closing else { return false }
        guard isWritable else {
            // The reader has fallen a whole queue behind: drop it rather than buffer without bound.
            closing = true
            context?.close(promise: nil)
            return false
        }
        outlet.context?.write(NIOAny(frame), promise: nil)
        needsFlush = true
        return true
    }

    func flushIfNeeded() {
        guard needsFlush else { return }
        needsFlush = false
        outlet.context?.flush()
    }

    private func writeRaw(_ bytes: ByteBuffer) {
        write(bytes)
    }

    private func send(_ frame: some Encodable) {
        writeRaw(WebSocketFrameBytes.text(ChatFrame.json(frame)))
    }

    private func sendError(_ rejection: ChatRejection) {
        send(ChatFrame.Failure(rejection))
        flushIfNeeded()
    }

    private func sendError(code: String, message: String) {
        send(ChatFrame.Failure(code: code, message: message))
        flushIfNeeded()
    }

    /// Kicked or blocked: tell the client why, close with 4003, and stop reading its messages.
    func eject(_ reason: EjectionReason) {
        let message = reason == .blocked ? "The streamer blocked you." : "You were removed from this chat by the streamer."
        send(ChatFrame.Kicked(reason: reason.rawValue, message: message))
        leave()
        close(code: 4003)
    }

    /// The shard's sweep: ping a socket that has been silent, close one that left it unanswered.
    func keepAlive(now: NIODeadline, _ keepalive: ChatKeepalive) {
        guard !closing else { return }
        switch keepalive.verdict(silence: now - lastHeard, unansweredPing: pingSentAt.map { now - $0 }) {
        case .alive:
            break
        case .ping:
            pingSentAt = now
            writeRaw(WebSocketFrameBytes.ping)
            flushIfNeeded()
        case .close:
            close(code: 1001)
        }
    }

    /// Server shutdown: 1001 "going away".
    func goAway() {
        close(code: 1001)
    }

    /// Starts the closing handshake; the TCP connection ends when the client answers, or
    /// after a grace period if it never does.
    private func close(code: UInt16) {
        guard let context, !closing else { return }
        writeRaw(WebSocketFrameBytes.close(code: code))
        closing = true
        needsFlush = false
        outlet.context?.flush()
        let channel = context.channel
        context.eventLoop.scheduleTask(in: Self.closeGrace) { channel.close(promise: nil) }
    }
}
