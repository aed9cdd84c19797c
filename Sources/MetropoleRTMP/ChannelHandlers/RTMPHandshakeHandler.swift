import Logging
import NIOCore

/// Fired inbound once the handshake is done, before any chunk stream bytes.
struct RTMPHandshakeCompleted: Sendable {}

/// Runs the handshake, then passes every byte after C2 on and removes itself.
final class RTMPHandshakeHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private var machine = HandshakeStateMachine()
    private var buffered: ByteBuffer?
    private var isComplete = false
    private let timeout: TimeAmount
    private var timeoutTask: Scheduled<Void>?
    private let logger: Logger

    init(timeout: TimeAmount, logger: Logger) {
        self.timeout = timeout
        self.logger = logger
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { startTimer(context: context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        startTimer(context: context)
        context.fireChannelActive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        timeoutTask?.cancel()
    }

    private func startTimer(context: ChannelHandlerContext) {
        guard timeoutTask == nil else { return }
        let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        timeoutTask = context.eventLoop.scheduleTask(in: timeout) {
            let (handler, context) = bound.value
            guard !handler.isComplete else { return }
            handler.logger.info("RTMP connection closed: handshake not done in time")
            context.close(promise: nil)
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var input = unwrapInboundIn(data)
        guard !isComplete else {
            context.fireChannelRead(data)
            return
        }
        if buffered == nil {
            buffered = input
        } else {
            buffered!.writeBuffer(&input)
        }
        while true {
            switch machine.receive(&buffered!) {
            case .waitForMoreData:
                return
            case .send(let response):
                context.writeAndFlush(wrapOutboundOut(response), promise: nil)
            case .complete:
                isComplete = true
                timeoutTask?.cancel()
                context.fireUserInboundEventTriggered(RTMPHandshakeCompleted())
                let rest = buffered!
                buffered = nil
                if rest.readableBytes > 0 { context.fireChannelRead(wrapInboundOut(rest)) }
                context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
                return
            case .fail(let reason):
                logger.info("RTMP connection closed: \(RTMPProtocolError.handshake(reason))")
                buffered = nil
                context.close(promise: nil)
                return
            }
        }
    }
}
