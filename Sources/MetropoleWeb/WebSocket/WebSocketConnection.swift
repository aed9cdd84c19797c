import NIOCore
import NIOWebSocket

/// What a socket carries: the chat, the player. Called on the socket's event loop.
protocol WebSocketEndpoint: AnyObject {
    /// The socket is open: the endpoint may write its first frames.
    func socketOpened(_ socket: WebSocketConnection)
    /// A whole text message (fragments already joined).
    func socket(_ socket: WebSocketConnection, receivedText text: ByteBuffer)
    /// A whole binary message.
    func socket(_ socket: WebSocketConnection, receivedBinary data: ByteBuffer)
    /// The socket drained below its low water mark after having been over the high one.
    func socketBecameWritable(_ socket: WebSocketConnection)
    /// The socket is closing: leave rooms and counts. Called once, before the last frames go.
    func socketClosed(_ socket: WebSocketConnection)
}

/// One WebSocket after the upgrade, for any endpoint: the closing handshake, pings and pongs,
/// the keepalive, the slow-reader policy and writes of frame bytes. Frames come in decoded (and
/// joined) by NIO; frames go out as bytes built once (`WebSocketFrameBytes`), written through
/// the `RawFrameOutlet` next to the socket, past NIO's frame encoder, so a chat message encoded
/// once is the same buffer on every socket. Everything here runs on the socket's event loop.
final class WebSocketConnection: ChannelInboundHandler {
    typealias InboundIn = WebSocketFrame

    /// How long a closing handshake may take before the TCP connection is cut.
    static let closeGrace: TimeAmount = .seconds(1)

    private let endpoint: any WebSocketEndpoint
    private let policy: SlowReaderPolicy
    private let registry: WebSocketRegistry
    private let outlet: RawFrameOutlet
    private var context: ChannelHandlerContext?
    /// Mirrors the channel's writability, so a broadcast need not ask the channel per socket.
    private(set) var isWritable = true
    private var stalledSince: NIODeadline?
    /// When the client last sent anything (a pong counts), and the ping it has not answered.
    private var lastHeard = NIODeadline.now()
    private var pingSentAt: NIODeadline?
    private var needsFlush = false
    private(set) var isClosing = false
    private var endpointClosed = false
    /// This socket's place in its registry shard (kept by `WebSocketRegistry.Shard`).
    var registryIndex = 0

    init(endpoint: any WebSocketEndpoint, policy: SlowReaderPolicy, registry: WebSocketRegistry, outlet: RawFrameOutlet) {
        self.endpoint = endpoint
        self.policy = policy
        self.registry = registry
        self.outlet = outlet
    }

    var channel: (any Channel)? { context?.channel }
    var eventLoop: (any EventLoop)? { context?.eventLoop }

    // MARK: Lifecycle

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        context.channel.setOption(ChannelOptions.writeBufferWaterMark, value: policy.waterMark).whenFailure { _ in }
        registry.shard(for: context.eventLoop).add(self)
        endpoint.socketOpened(self)
        flushIfNeeded()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        finish()
        self.context = nil
    }

    func channelInactive(context: ChannelHandlerContext) {
        finish()
        context.fireChannelInactive()
    }

    private func finish() {
        guard !endpointClosed, let context else { return }
        endpointClosed = true
        registry.shard(for: context.eventLoop).remove(self)
        endpoint.socketClosed(self)
    }

    // MARK: Inbound

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        lastHeard = .now()
        pingSentAt = nil
        switch frame.opcode {
        case .text:
            if !isClosing { endpoint.socket(self, receivedText: frame.unmaskedData) }
        case .binary:
            if !isClosing { endpoint.socket(self, receivedBinary: frame.unmaskedData) }
        case .ping:
            write(WebSocketFrameBytes.pong(frame.unmaskedData))
            flushIfNeeded()
        case .connectionClose:
            if isClosing {
                // The answer to our close: the handshake is done.
                context.close(promise: nil)
            } else {
                var payload = frame.unmaskedData
                let code = payload.readInteger(as: UInt16.self) ?? WebSocketCloseCode.normal.rawValue
                closeEchoing(code == 1005 ? WebSocketCloseCode.normal.rawValue : code)
            }
        default:
            break
        }
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        isWritable = context.channel.isWritable
        if isWritable {
            stalledSince = nil
            endpoint.socketBecameWritable(self)
            flushIfNeeded()
        } else if policy.grace > .zero {
            let stalled = NIODeadline.now()
            stalledSince = stalled
            let connection = NIOLoopBound(self, eventLoop: context.eventLoop)
            context.eventLoop.scheduleTask(in: policy.grace) {
                if connection.value.stalledSince == stalled { connection.value.close(.tooSlow) }
            }
        }
        context.fireChannelWritabilityChanged()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // A malformed or oversized frame: say why and end only this socket.
        close((error as? NIOWebSocketError) == .invalidFrameLength ? .messageTooBig : .protocolError)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is ChannelShouldQuiesceEvent { close(.goingAway) } else { context.fireUserInboundEventTriggered(event) }
    }

    // MARK: Outbound

    /// Queues whole frame bytes; false when the socket is closing or was just dropped as too
    /// slow. Call `flushIfNeeded` after a burst.
    @discardableResult
    func write(_ frame: ByteBuffer) -> Bool {
        guard context != nil, !isClosing else { return false }
        if !isWritable, policy.grace == .zero {
            close(.tooSlow)
            return false
        }
        outlet.context?.write(NIOAny(frame), promise: nil)
        needsFlush = true
        return true
    }

    /// Queues one message made of `parts`: the first frame, then continuation frames. Headers
    /// are a few bytes each; the parts themselves are shared, never copied.
    /// `written` completes when the last byte is handed to the socket.
    func writeMessage(_ parts: [ByteBuffer], binary: Bool, written: EventLoopPromise<Void>? = nil) {
        guard context != nil, !isClosing, let outlet = outlet.context, !parts.isEmpty else {
            written?.fail(ChannelError.ioOnClosedChannel)
            return
        }
        for (index, part) in parts.enumerated() {
            let isLast = index == parts.count - 1
            let header = WebSocketFrameBytes.header(
                opcode: index == 0 ? (binary ? .binary : .text) : .continuation, isFinal: isLast, length: part.readableBytes
            )
            outlet.write(NIOAny(header), promise: nil)
            outlet.write(NIOAny(part), promise: isLast ? written : nil)
        }
        needsFlush = true
    }

    func sendText(_ payload: ByteBuffer) {
        write(WebSocketFrameBytes.text(payload))
    }

    func flushIfNeeded() {
        guard needsFlush else { return }
        needsFlush = false
        outlet.context?.flush()
    }

    /// Starts the closing handshake; the TCP connection ends when the client answers, or after
    /// `closeGrace` if it never does.
    /// What this socket serves, for the metrics.
    var kind: String { endpoint is PlayerSocket ? "player" : endpoint is ChatSocket ? "chat" : "other" }

    func close(_ code: WebSocketCloseCode) {
        if code == .tooSlow, !isClosing { MetropoleMetrics.droppedTooSlow(kind: kind) }
        closeEchoing(code.rawValue)
    }

    private func closeEchoing(_ code: UInt16) {
        guard let context, !isClosing else { return }
        finish()
        outlet.context?.write(NIOAny(WebSocketFrameBytes.close(code: code)), promise: nil)
        isClosing = true
        needsFlush = false
        outlet.context?.flush()
        let channel = context.channel
        context.eventLoop.scheduleTask(in: Self.closeGrace) { channel.close(promise: nil) }
    }

    /// The keepalive sweep: ping a socket that has been silent, close one that left it unanswered.
    func keepAlive(now: NIODeadline, _ keepalive: WebSocketKeepalive) {
        guard !isClosing else { return }
        switch keepalive.verdict(silence: now - lastHeard, unansweredPing: pingSentAt.map { now - $0 }) {
        case .alive:
            break
        case .ping:
            pingSentAt = now
            write(WebSocketFrameBytes.ping)
            flushIfNeeded()
        case .close:
            close(.goingAway)
        }
    }
}

/// Sits next to the socket, before NIO's frame encoder: writes made through its context go
/// straight to the socket, which is how one pre-encoded frame reaches many sockets.
final class RawFrameOutlet: ChannelOutboundHandler {
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private(set) var context: ChannelHandlerContext?

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
    }
}
