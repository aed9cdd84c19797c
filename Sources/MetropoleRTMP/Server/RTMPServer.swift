import Logging
import MetropoleMedia
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// The RTMP listener: accepts publishers, runs one session per connection and feeds each
/// accepted stream into its own `LiveHub`.
///
/// One bad connection ends only itself. A new accepted publish for a stream that already has
/// a publisher closes the old connection (an encoder reconnecting after a network drop must
/// not be locked out by its own dead connection).
public final class RTMPServer: Sendable {
    public struct Configuration: Sendable {
        public var host: String
        /// 0 picks a free port; `start()` returns the one bound.
        public var port: Int
        /// Time allowed from accept to the end of the handshake.
        public var handshakeTimeout: TimeAmount
        /// Time without audio or video after publishing started before the connection closes.
        public var mediaTimeout: TimeAmount
        /// Time with nothing received, before publishing started, before the connection closes.
        public var idleTimeout: TimeAmount
        /// Largest RTMP message accepted (a keyframe must fit).
        public var maxMessageSize: Int
        /// RTMP application names accepted at `connect`; others are rejected.
        public var applications: Set<String>
        /// How long a publisher's media may wait in the kernel so it is read in batches
        /// (SO_RCVLOWAT sized to the measured bitrate). Wake-ups dominate ingest CPU: 100 ms
        /// cut it about threefold for a 2.6 Mbps stream but added ~40 ms median latency; 40 ms
        /// keeps most of the saving (docs/benchmarks.md). `.zero` reads every segment at once.
        public var receiveBatchingDelay: TimeAmount
        /// Asked once per accepted publisher: where its hub hands each completed segment
        /// (`LiveHubConfiguration.onSegment`), e.g. the recording; `nil` records nothing.
        public var segmentSink: (@Sendable (_ streamID: String) -> (@Sendable (CompletedSegment) -> Void)?)?

        public init(
            host: String = "0.0.0.0",
            port: Int = 1935,
            handshakeTimeout: TimeAmount = .seconds(5),
            mediaTimeout: TimeAmount = .seconds(10),
            idleTimeout: TimeAmount = .seconds(10),
            maxMessageSize: Int = 8 << 20,
            applications: Set<String> = ["live"],
            receiveBatchingDelay: TimeAmount = .milliseconds(40),
            segmentSink: (@Sendable (_ streamID: String) -> (@Sendable (CompletedSegment) -> Void)?)? = nil
        ) {
            self.host = host
            self.port = port
            self.handshakeTimeout = handshakeTimeout
            self.mediaTimeout = mediaTimeout
            self.idleTimeout = idleTimeout
            self.maxMessageSize = maxMessageSize
            self.applications = applications
            self.receiveBatchingDelay = receiveBatchingDelay
            self.segmentSink = segmentSink
        }
    }

    private let configuration: Configuration
    private let group: any EventLoopGroup
    private let environment: SessionEnvironment
    private let logger: Logger
    private let listener = NIOLockedValueBox<(any Channel)?>(nil)

    public convenience init(
        configuration: Configuration = Configuration(),
        group: any EventLoopGroup,
        authorizer: any IngestAuthorizer,
        sink: any LiveEventSink,
        logger: Logger
    ) {
        self.init(configuration: configuration, group: group, authorizer: authorizer, sink: sink, logger: logger, tap: nil)
    }

    init(
        configuration: Configuration,
        group: any EventLoopGroup,
        authorizer: any IngestAuthorizer,
        sink: any LiveEventSink,
        logger: Logger,
        tap: (@Sendable (_ streamID: String, _ media: FLVMedia) -> Void)?
    ) {
        self.configuration = configuration
        self.group = group
        self.logger = logger
        var session = SessionStateMachine.Configuration()
        session.applications = configuration.applications
        self.environment = SessionEnvironment(
            authorizer: authorizer, sink: sink, registry: PublisherRegistry(), session: session,
            idleTimeout: configuration.idleTimeout, mediaTimeout: configuration.mediaTimeout,
            receiveBatchingDelay: configuration.receiveBatchingDelay, segmentSink: configuration.segmentSink, tap: tap
        )
    }

    /// Binds and starts accepting; returns the bound port.
    public func start() async throws -> Int {
        let (environment, configuration, logger) = (self.environment, self.configuration, self.logger)
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try Self.configure(channel, environment: environment, configuration: configuration, logger: logger)
                }
            }
        let channel = try await bootstrap.bind(host: configuration.host, port: configuration.port).get()
        listener.withLockedValue { $0 = channel }
        let port = channel.localAddress?.port ?? configuration.port
        logger.info("RTMP listening", metadata: ["host": "\(configuration.host)", "port": "\(port)"])
        return port
    }

    private static func configure(
        _ channel: any Channel, environment: SessionEnvironment, configuration: Configuration, logger: Logger
    ) throws {
        guard environment.registry.opened(channel) else { throw ChannelError.ioOnClosedChannel }
        let registry = environment.registry
        channel.closeFuture.whenComplete { _ in registry.closed(channel) }
        let remoteAddress = channel.remoteAddress?.description
        var logger = logger
        logger[metadataKey: "rtmp.peer"] = "\(remoteAddress ?? "unknown")"
        var limits = ChunkDecoder.Limits()
        limits.maxMessageSize = configuration.maxMessageSize
        try channel.pipeline.syncOperations.addHandlers([
            RTMPHandshakeHandler(timeout: configuration.handshakeTimeout, logger: logger),
            RTMPMessageEncoder(),
            ByteToMessageHandler(RTMPMessageDecoder(limits: limits)),
            RTMPSessionHandler(environment: environment, logger: logger, remoteAddress: remoteAddress),
        ])
    }

    /// Closes the connection publishing `streamID`, if any, and returns once its
    /// `unpublished` was delivered. The app calls it when a stream key is regenerated or deleted.
    public func disconnect(streamID: String) async {
        guard let publisher = environment.registry.publisher(of: streamID) else { return }
        logger.info("RTMP publisher disconnected by the app", metadata: ["stream": "\(streamID)"])
        PublisherRegistry.close(publisher.channel, reason: "disconnected by the app")
        try? await publisher.ended.get()
    }

    /// Stops listening and closes every connection; returns once every publisher was unpublished.
    public func shutdown() async {
        let listener = self.listener.withLockedValue { channel in
            defer { channel = nil }
            return channel
        }
        try? await listener?.close()
        let (connections, publishers) = environment.registry.shutDown()
        for connection in connections {
            PublisherRegistry.close(connection, reason: "server shutting down")
        }
        for connection in connections {
            try? await connection.closeFuture.get()
        }
        for publisher in publishers {
            try? await publisher.ended.get()
        }
        logger.info("RTMP server stopped")
    }
}
