import NIOCore
import NIOHTTP1
import NIOPosix
import NIOWebSocket

/// A WebSocket client connection on SwiftNIO: the HTTP/1.1 upgrade by NIO's
/// `NIOWebSocketClientUpgrader` (which checks `Sec-WebSocket-Accept`), then NIO's frame decoder
/// and encoder, then the caller's handler, which reads and writes `WebSocketFrame`s.
public enum WebSocketClient {
    /// The server answered the upgrade request with something other than 101.
    public struct Refused: Error, CustomStringConvertible {
        public var status: HTTPResponseStatus

        public var description: String { "HTTP \(status.code) \(status.reasonPhrase)" }
    }

    /// Connects to `host:port`, upgrades `path` and adds `makeHandler()`'s handler; returns the
    /// channel once the upgrade is done, or throws `Refused`, a connect error or a timeout after
    /// `timeout`. NIO's decoder hands on whole frames only, so `maxFrameSize` must hold the
    /// largest frame the server sends.
    public static func connect<Handler: ChannelInboundHandler>(
        host: String,
        port: Int,
        path: String,
        headers: [(String, String)] = [],
        maxFrameSize: Int,
        group: any EventLoopGroup,
        timeout: TimeAmount = .seconds(15),
        makeHandler: @escaping @Sendable () -> Handler
    ) async throws -> any Channel where Handler.InboundIn == WebSocketFrame {
        let loop = group.next()
        let upgraded = loop.makePromise(of: Void.self)
        let deadline = loop.scheduleTask(in: timeout) { upgraded.fail(ChannelError.connectTimeout(timeout)) }
        defer { deadline.cancel() }
        let channel: any Channel
        do {
            channel = try await ClientBootstrap(group: loop)
                .channelOption(.socketOption(.so_reuseaddr), value: 1)
                .channelOption(.tcpOption(.tcp_nodelay), value: 1)
                .connectTimeout(timeout)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try addUpgradeHandlers(
                            to: channel, host: host, port: port, path: path, headers: headers,
                            maxFrameSize: maxFrameSize, upgraded: upgraded, makeHandler: makeHandler
                        )
                    }
                }
                .connect(host: host, port: port)
                .get()
        } catch {
            upgraded.fail(error)
            throw error
        }
        do {
            try await upgraded.futureResult.get()
        } catch {
            channel.close(promise: nil)
            throw error
        }
        return channel
    }

    private static func addUpgradeHandlers<Handler: ChannelInboundHandler>(
        to channel: any Channel, host: String, port: Int, path: String, headers: [(String, String)],
        maxFrameSize: Int, upgraded: EventLoopPromise<Void>, makeHandler: @escaping @Sendable () -> Handler
    ) throws where Handler.InboundIn == WebSocketFrame {
        // Errors reach the caller's handler; NIO's automatic handling would answer them with a
        // close frame of its own.
        let upgrader = NIOWebSocketClientUpgrader(maxFrameSize: maxFrameSize, automaticErrorHandling: false) { channel, _ in
            channel.eventLoop.makeCompletedFuture {
                try channel.pipeline.syncOperations.addHandler(makeHandler())
                upgraded.succeed()
            }
        }
        // Frames that came in the same read as the 101 are forwarded to the WebSocket decoder
        // (NIO's default drops them, and a player's first frames follow its 101 at once). The
        // completion handler runs before the upgrader adds its handlers, so no frame reaches
        // the request handler.
        try channel.pipeline.syncOperations.addHTTPClientHandlers(
            leftOverBytesStrategy: .forwardBytes,
            withClientUpgrade: (upgraders: [upgrader], completionHandler: { context in
                if let request = try? context.pipeline.syncOperations.handler(type: UpgradeRequestHandler.self) {
                    context.pipeline.syncOperations.removeHandler(request, promise: nil)
                }
            })
        )
        var head = HTTPHeaders([("Host", "\(host):\(port)"), ("Content-Length", "0")])
        head.add(contentsOf: headers)
        try channel.pipeline.syncOperations.addHandler(
            UpgradeRequestHandler(head: HTTPRequestHead(version: .http1_1, method: .GET, uri: path, headers: head), refused: upgraded)
        )
    }
}

/// Sends the upgrade request (NIO's upgrade handler adds the WebSocket headers); an answer that
/// reaches it is not a 101, so it fails the connection.
final class UpgradeRequestHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPClientResponsePart
    typealias OutboundOut = HTTPClientRequestPart

    private let head: HTTPRequestHead
    private let refused: EventLoopPromise<Void>

    init(head: HTTPRequestHead, refused: EventLoopPromise<Void>) {
        self.head = head
        self.refused = refused
    }

    func channelActive(context: ChannelHandlerContext) {
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if case .head(let head) = unwrapInboundIn(data) {
            refused.fail(WebSocketClient.Refused(status: head.status))
            context.close(promise: nil)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        refused.fail(error)
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        refused.fail(ChannelError.eof)
    }
}
