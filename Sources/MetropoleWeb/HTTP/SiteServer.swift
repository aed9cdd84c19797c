import NIOConcurrencyHelpers
import NIOCore
import NIOExtras
import NIOHTTP1
import NIOPosix
import ServiceLifecycle
import Vapor

/// The HTTP/1.1 server: pages, API, WebSockets and playback on one port. Vapor is the
/// application (router, middleware, handlers); this owns the sockets and each connection's
/// pipeline: NIO's HTTP codec, pipelining and protocol-error handlers, then one
/// `HTTPConnectionHandler` that answers cached guest pages from the head and hands every other
/// request to `app.responder` (decision 0014). Registered through `app.servers.use`, the public
/// way to replace Vapor's server; run as a `Service` of the application's service group.
final class SiteServer: Server, Service, Sendable {
    private struct Running {
        var channel: any Channel
        var quiescing: ServerQuiescingHelper
    }

    /// The application owns its servers.
    private unowned let application: Application
    private let running = NIOLockedValueBox<Running?>(nil)
    /// How long connections get to finish their answers when the server stops.
    static let shutdownTimeout: TimeAmount = .seconds(10)

    init(application: Application) {
        self.application = application
    }

    /// Where the server listens, once started (the port differs from the configured one for 0).
    var localAddress: SocketAddress? { running.withLockedValue { $0?.channel.localAddress } }

    var onShutdown: EventLoopFuture<Void> {
        running.withLockedValue { $0?.channel.closeFuture } ?? application.eventLoopGroup.any().makeSucceededVoidFuture()
    }

    // MARK: Service

    /// Serves until the service group shuts down gracefully, then stops accepting, lets
    /// answers in progress finish and closes every connection (WebSockets with 1001).
    func run() async throws {
        try await start(address: nil)
        try? await gracefulShutdown()
        await shutdown()
    }

    // MARK: Server

    func start(address: BindAddress?) async throws {
        let configuration = application.metropole
        var host = configuration.httpHost, port = configuration.httpPort
        if case .hostname(let overrideHost, let overridePort) = address {
            host = overrideHost ?? host
            port = overridePort ?? port
        }
        let group = application.eventLoopGroup
        let quiescing = ServerQuiescingHelper(group: group)
        let environment = HTTPConnectionHandler.Environment(
            application: application, responder: application.responder.current, pages: application.guestPages,
            bodyLimits: application.bodyLimits, serverName: "Metropole"
        )
        let channel = try await ServerBootstrap(group: group)
            .serverChannelOption(ChannelOptions.backlog, value: 256)
            .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
            .serverChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(quiescing.makeServerChannelHandler(channel: channel))
                }
            }
            .childChannelOption(ChannelOptions.socketOption(.tcp_nodelay), value: 1)
            .childChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(ChannelOptions.maxMessagesPerRead, value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try Self.configure(channel, environment) }
            }
            .bind(host: host, port: port)
            .get()
        running.withLockedValue { $0 = Running(channel: channel, quiescing: quiescing) }
        application.logger.notice("HTTP server started on \(channel.localAddress?.description ?? "\(host):\(port)")")
    }

    func shutdown() async {
        guard let server = running.withLockedValue({ running in defer { running = nil }; return running }) else { return }
        let done = server.channel.eventLoop.makePromise(of: Void.self)
        let timeout = server.channel.eventLoop.scheduleTask(in: Self.shutdownTimeout) {
            done.fail(ChannelError.ioOnClosedChannel)
        }
        server.quiescing.initiateShutdown(promise: done)
        if (try? await done.futureResult.get()) == nil {
            application.logger.warning("HTTP server: connections still open after \(Self.shutdownTimeout); closing them")
        }
        timeout.cancel()
    }

    @available(*, noasync, message: "Use the async start(address:) instead.")
    func start(address: BindAddress?) throws {
        try application.eventLoopGroup.any().makeFutureWithTask { try await self.start(address: address) }.wait()
    }

    @available(*, noasync, message: "Use the async shutdown() instead.")
    func shutdown() {
        try? application.eventLoopGroup.any().makeFutureWithTask { await self.shutdown() }.wait()
    }

    /// One connection's handlers: NIO's response encoder, request decoder, pipelining helper and
    /// header validator, then ours, which also answers bytes that are not HTTP (a 400) unless an
    /// answer already ended the connection.
    static func configure(_ channel: any Channel, _ environment: HTTPConnectionHandler.Environment) throws {
        let pipeline = channel.pipeline.syncOperations
        try pipeline.configureHTTPServerPipeline(withPipeliningAssistance: true, withErrorHandling: false)
        let http: [RemovableChannelHandler] = [
            try pipeline.handler(type: HTTPResponseEncoder.self),
            try pipeline.handler(type: ByteToMessageHandler<HTTPRequestDecoder>.self),
            try pipeline.handler(type: HTTPServerPipelineHandler.self),
            try pipeline.handler(type: NIOHTTPResponseHeadersValidator.self),
        ]
        try pipeline.addHandler(HTTPConnectionHandler(environment: environment, httpHandlers: http))
    }
}
