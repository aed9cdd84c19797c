import Logging
import MetropoleMedia
import NIOCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// What every session of one server shares.
struct SessionEnvironment: Sendable {
    var authorizer: any IngestAuthorizer
    var sink: any LiveEventSink
    var registry: PublisherRegistry
    var session: SessionStateMachine.Configuration
    var idleTimeout: TimeAmount
    var mediaTimeout: TimeAmount
    /// How long received media may wait in the kernel to be read in batches; 0 reads at once.
    var receiveBatchingDelay: TimeAmount
    /// Where each new hub hands its completed segments (`RTMPServer.Configuration.segmentSink`).
    var segmentSink: (@Sendable (_ streamID: String) -> (@Sendable (CompletedSegment) -> Void)?)?
    /// Sees every track and frame handed to a hub, after the hub; tests watch ingest with it.
    var tap: (@Sendable (_ streamID: String, _ media: FLVMedia) -> Void)?
}

/// Carries out what `SessionStateMachine` decides: replies, the authorizer call, the hub and
/// the sink notifications, timeouts and closing.
final class RTMPSessionHandler: ChannelInboundHandler {
    typealias InboundIn = RTMPMessage
    typealias OutboundOut = RTMPMessage

    /// The stream this connection publishes into, once the key was accepted.
    private struct Publication {
        var streamID: String
        var hub: LiveHub
        var token: UInt64
        /// Completes after this publication's `unpublished` was delivered.
        var ended: EventLoopPromise<Void>
        /// The publisher this one took over from; its `unpublished` goes out first.
        var predecessorEnded: EventLoopFuture<Void>?
        var isAnnounced = false
    }

    private let environment: SessionEnvironment
    private var machine: SessionStateMachine
    private var logger: Logger
    private var publication: Publication?
    /// Sink calls run one after another, in the order the session made them.
    private var sinkTail: Task<Void, Never>?
    private var lastActivity = NIODeadline.now()
    private var watchdog: RepeatedTask?
    private var isClosing = false
    private var batching: ReceiveBatching?

    init(environment: SessionEnvironment, logger: Logger, remoteAddress: String?) {
        self.environment = environment
        self.logger = logger
        self.machine = SessionStateMachine(configuration: environment.session, remoteAddress: remoteAddress)
    }

    // MARK: Channel events

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { startWatchdog(context: context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        startWatchdog(context: context)
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        tearDown(reason: "connection closed")
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        tearDown(reason: "connection closed")
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        switch event {
        case is RTMPHandshakeCompleted:
            lastActivity = .now()
        case let request as RTMPCloseRequest:
            close(context: context, reason: request.reason)
        default:
            context.fireUserInboundEventTriggered(event)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        close(context: context, reason: "\(error)")
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let message = unwrapInboundIn(data)
        // Before publishing anything keeps a connection alive; after, only media does.
        if message.type == .audio || message.type == .video {
            lastActivity = .now()
            batching?.received(message.payload.readableBytes)
        } else if publication == nil {
            lastActivity = .now()
        }
        perform(machine.received(message), context: context)
    }

    // MARK: Actions

    private func perform(_ action: SessionStateMachine.Action, context: ChannelHandlerContext) {
        switch action {
        case .none:
            break
        case .media(let media, let announce):
            if let announce { self.announce(announce) }
            feed(media)
        case .send(let messages):
            send(messages, context: context)
        case .authorize(let app, let streamKey):
            authorize(app: app, streamKey: streamKey, context: context)
        case .startPublishing(let streamID, let messages):
            send(messages, context: context)
            startPublishing(streamID: streamID, context: context)
        case .announce(let metadata):
            announce(metadata)
        case .stopPublishing(let messages):
            send(messages, context: context)
            endPublishing(reason: "publisher unpublished")
            if let watermark = batching?.reset(now: .now()) { setReceiveWatermark(watermark, context: context) }
            batching = nil
        case .close(let reason, let messages):
            close(context: context, reason: reason, sending: messages)
        }
    }

    private func send(_ messages: [RTMPMessage], context: ChannelHandlerContext) {
        guard !messages.isEmpty else { return }
        for message in messages {
            context.write(wrapOutboundOut(message), promise: nil)
        }
        context.flush()
    }

    private func authorize(app: String, streamKey: String, context: ChannelHandlerContext) {
        let authorizer = environment.authorizer
        let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        context.eventLoop.makeFutureWithTask {
            await authorizer.authorize(app: app, streamKey: streamKey)
        }.whenSuccess { grant in
            let (handler, context) = bound.value
            guard !handler.isClosing else { return }
            handler.perform(handler.machine.authorized(grant), context: context)
        }
    }

    private func startPublishing(streamID: String, context: ChannelHandlerContext) {
        let ended = context.eventLoop.makePromise(of: Void.self)
        let channel = context.channel
        let (token, replaced) = environment.registry.claim(streamID: streamID, channel: channel, ended: ended.futureResult)
        let registry = environment.registry
        ended.futureResult.whenComplete { _ in registry.release(streamID: streamID, token: token) }
        logger[metadataKey: "stream"] = "\(streamID)"
        if let replaced, replaced.channel !== channel {
            logger.info("RTMP publisher takes over the stream from an older connection")
            PublisherRegistry.close(replaced.channel, reason: "a newer connection took over the stream")
        }
        let hubConfiguration = LiveHubConfiguration(onSegment: environment.segmentSink?(streamID))
        publication = Publication(
            streamID: streamID, hub: LiveHub(name: streamID, configuration: hubConfiguration), token: token, ended: ended,
            predecessorEnded: replaced?.ended
        )
        lastActivity = .now()
        if environment.receiveBatchingDelay > .zero {
            batching = ReceiveBatching(delay: environment.receiveBatchingDelay, now: lastActivity)
        }
        logger.info("RTMP publish accepted", metadata: ["app": "\(machine.metadata.app)"])
    }

    private func announce(_ metadata: PublishMetadata) {
        guard var publication, !publication.isAnnounced else { return }
        publication.isAnnounced = true
        self.publication = publication
        let (sink, streamID, hub, predecessor) = (environment.sink, publication.streamID, publication.hub, publication.predecessorEnded)
        enqueueSink {
            _ = try? await predecessor?.get()
            await sink.published(streamID: streamID, hub: hub, metadata: metadata)
        }
        logger.info("RTMP stream live", metadata: [
            "width": "\(metadata.width.map(String.init) ?? "?")",
            "height": "\(metadata.height.map(String.init) ?? "?")",
            "encoder": "\(metadata.encoder ?? "?")",
        ])
    }

    private func feed(_ media: FLVMedia) {
        guard let publication else { return }
        switch media {
        case .track(let config): publication.hub.setTrack(config)
        case .frame(let frame): publication.hub.ingest(frame)
        }
        environment.tap?(publication.streamID, media)
    }

    private func endPublishing(reason: String) {
        guard let publication else { return }
        self.publication = nil
        publication.hub.finish()
        if publication.isAnnounced {
            let (sink, streamID, hub) = (environment.sink, publication.streamID, publication.hub)
            enqueueSink { await sink.unpublished(streamID: streamID, hub: hub) }
        }
        let tail = sinkTail
        publication.ended.completeWithTask { await tail?.value }
        logger.info("RTMP publishing ended: \(reason)")
        logger[metadataKey: "stream"] = nil
    }

    private func enqueueSink(_ operation: @escaping @Sendable () async -> Void) {
        let previous = sinkTail
        sinkTail = Task {
            await previous?.value
            await operation()
        }
    }

    private func close(context: ChannelHandlerContext, reason: String, sending messages: [RTMPMessage] = []) {
        guard !isClosing else { return }
        isClosing = true
        logger.info("RTMP connection closed: \(reason)")
        guard let last = messages.last else {
            context.close(promise: nil)
            return
        }
        for message in messages.dropLast() {
            context.write(wrapOutboundOut(message), promise: nil)
        }
        let channel = context.channel
        context.writeAndFlush(wrapOutboundOut(last)).whenComplete { _ in channel.close(promise: nil) }
    }

    private func tearDown(reason: String) {
        isClosing = true
        watchdog?.cancel()
        watchdog = nil
        endPublishing(reason: reason)
    }

    // MARK: Timeouts

    private func startWatchdog(context: ChannelHandlerContext) {
        guard watchdog == nil, !isClosing else { return }
        lastActivity = .now()
        let shortest = min(environment.idleTimeout, environment.mediaTimeout)
        let period: TimeAmount = max(.milliseconds(20), min(.seconds(1), .nanoseconds(shortest.nanoseconds / 4)))
        let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        watchdog = context.eventLoop.scheduleRepeatedTask(initialDelay: period, delay: period) { _ in
            let (handler, context) = bound.value
            handler.tick(context: context)
        }
    }

    private func tick(context: ChannelHandlerContext) {
        checkTimeouts(context: context)
        if !isClosing, let watermark = batching?.tick(now: .now()) {
            setReceiveWatermark(watermark, context: context)
        }
    }

    private func setReceiveWatermark(_ bytes: Int, context: ChannelHandlerContext) {
        let option = ChannelOptions.socketOption(NIOBSDSocket.Option(rawValue: SO_RCVLOWAT))
        do {
            try context.channel.syncOptions?.setOption(option, value: bytes)
            logger.debug("RTMP receive low watermark set", metadata: ["bytes": "\(bytes)"])
        } catch {
            // Only costs CPU: every segment wakes us as before.
            batching = nil
        }
    }

    private func checkTimeouts(context: ChannelHandlerContext) {
        let limit = publication == nil ? environment.idleTimeout : environment.mediaTimeout
        guard !isClosing, NIODeadline.now() - lastActivity > limit else { return }
        let seconds = Double(limit.nanoseconds) / 1e9
        close(context: context, reason: publication == nil
              ? "nothing received for \(seconds) s"
              : "no audio or video for \(seconds) s")
    }
}
