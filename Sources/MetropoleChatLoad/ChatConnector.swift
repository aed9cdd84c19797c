import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOWebSocket

/// Opens the sender's chat WebSocket on NIO: an HTTP/1.1 upgrade request, then a frame handler.
enum ChatConnector {
    static func openSender(options: LoadOptions, group: MultiThreadedEventLoopGroup, stats: LoadStats) async throws -> Sender {
        let greeted = group.next().makePromise(of: Void.self)
        let channel = try await connect(options: options, group: group, token: options.token) {
            ReaderHandler(stats: stats, greeted: greeted)
        }
        try await greeted.futureResult.get()
        return Sender(channel: channel)
    }

    private static func connect(options: LoadOptions, group: MultiThreadedEventLoopGroup, token: String?,
                                makeHandler: @escaping @Sendable () -> ReaderHandler) async throws -> any Channel {
        let path = "/api/v1/streams/\(options.channel)/chat"
        let port = options.port
        let upgraded = group.next().makePromise(of: Void.self)
        let channel = try await ClientBootstrap(group: group)
            .channelOption(.socketOption(.so_reuseaddr), value: 1)
            .channelOption(.tcpOption(.tcp_nodelay), value: 1)
            .connectTimeout(.seconds(10))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let upgrader = NIOWebSocketClientUpgrader(maxFrameSize: 1 << 16, automaticErrorHandling: false) { channel, _ in
                        channel.eventLoop.makeCompletedFuture {
                            try channel.pipeline.syncOperations.addHandler(makeHandler())
                            upgraded.succeed()
                        }
                    }
                    try channel.pipeline.syncOperations.addHTTPClientHandlers(
                        withClientUpgrade: (upgraders: [upgrader], completionHandler: { context in
                            if let request = try? context.pipeline.syncOperations.handler(type: UpgradeRequestHandler.self) {
                                context.pipeline.syncOperations.removeHandler(request, promise: nil)
                            }
                        })
                    )
                    try channel.pipeline.syncOperations.addHandler(
                        UpgradeRequestHandler(path: path, port: port, token: token, refused: upgraded)
                    )
                }
            }
            .connect(host: "127.0.0.1", port: port)
            .get()
        try await upgraded.futureResult.get()
        return channel
    }
}

/// Sends the upgrade request; a non-101 answer reaches it and fails the connection.
final class UpgradeRequestHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPClientResponsePart
    typealias OutboundOut = HTTPClientRequestPart

    struct Refused: Error { var status: HTTPResponseStatus }

    let path: String
    let port: Int
    let token: String?
    let refused: EventLoopPromise<Void>

    init(path: String, port: Int, token: String?, refused: EventLoopPromise<Void>) {
        (self.path, self.port, self.token, self.refused) = (path, port, token, refused)
    }

    func channelActive(context: ChannelHandlerContext) {
        var headers = HTTPHeaders([("Host", "127.0.0.1:\(port)"), ("Content-Length", "0")])
        if let token { headers.add(name: "Authorization", value: "Bearer \(token)") }
        let head = HTTPRequestHead(version: .http1_1, method: .GET, uri: path, headers: headers)
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if case .head(let head) = unwrapInboundIn(data) {
            refused.fail(Refused(status: head.status))
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

/// A reader: records each benchmark message's send-to-receive latency on its loop's shard.
final class ReaderHandler: ChannelInboundHandler {
    typealias InboundIn = WebSocketFrame
    typealias OutboundOut = WebSocketFrame

    private let stats: LoadStats
    private let greeted: EventLoopPromise<Void>
    private var shard: LoadStats.Shard?
    private let clock = MonotonicClock()
    /// Set on the sender's socket: called with the phase of each of its own echoes.
    var onEcho: ((Int) -> Void)?

    init(stats: LoadStats, greeted: EventLoopPromise<Void>) {
        self.stats = stats
        self.greeted = greeted
    }

    func handlerAdded(context: ChannelHandlerContext) {
        shard = stats.shard(for: context.eventLoop)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        switch frame.opcode {
        case .text:
            greeted.succeed()
            guard let (phase, sentAt) = BenchText.parse(frame.data) else { return }
            shard?.record(sentAt: sentAt, receivedAt: clock.now)
            onEcho?(phase)
        case .connectionClose:
            context.close(promise: nil)
        default:
            break
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        greeted.fail(ChannelError.eof)
        stats.socketClosed()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }
}

/// The signed-in sender. Its text is `b<phase> <monotonic nanos>`, which readers parse back.
final class Sender: Sendable {
    let channel: any Channel

    init(channel: any Channel) {
        self.channel = channel
    }

    func send(phase: Int, at nanos: UInt64) {
        let channel = channel
        channel.eventLoop.execute { Self.write(phase: phase, nanos: nanos, on: channel) }
    }

    private static func write(phase: Int, nanos: UInt64, on channel: any Channel) {
        let json = #"{"type":"message","text":"b\#(phase) \#(nanos)"}"#
        let frame = WebSocketFrame(fin: true, opcode: .text, maskKey: .random(), data: ByteBuffer(string: json))
        channel.writeAndFlush(frame, promise: nil)
    }

    /// Keeps `window` messages in flight for `seconds`; returns how many were sent.
    func flood(phase: Int, seconds: Int, window: Int, clock: MonotonicClock) async -> Int {
        let channel = channel
        let done = channel.eventLoop.makePromise(of: Int.self)
        channel.eventLoop.execute {
            guard let handler = try? channel.pipeline.syncOperations.handler(type: ReaderHandler.self) else {
                return done.succeed(0)
            }
            let deadline = clock.now + UInt64(seconds) * 1_000_000_000
            var sent = 0
            var finished = false
            func sendOne() {
                sent += 1
                Sender.write(phase: phase, nanos: clock.now, on: channel)
            }
            handler.onEcho = { echoed in
                guard echoed == phase, !finished else { return }
                if clock.now < deadline {
                    sendOne()
                } else {
                    finished = true
                    handler.onEcho = nil
                    done.succeed(sent)
                }
            }
            for _ in 0..<window { sendOne() }
        }
        return (try? await done.futureResult.get()) ?? 0
    }
}

enum BenchText {
    private static let marker = Array(#""text":"b"#.utf8)

    /// (phase, sent-at nanos) from a message frame's JSON, or nil for any other frame.
    static func parse(_ payload: ByteBuffer) -> (Int, UInt64)? {
        payload.withUnsafeReadableBytes { parse($0) }
    }

    static func parse(_ bytes: UnsafeRawBufferPointer) -> (Int, UInt64)? {
        guard bytes.count > marker.count else { return nil }
        var start = -1
        outer: for index in 0...(bytes.count - marker.count) {
            for offset in 0..<marker.count where bytes[index + offset] != marker[offset] { continue outer }
            start = index + marker.count
            break
        }
        guard start >= 0, start < bytes.count else { return nil }
        var index = start
        var phase = 0
        while index < bytes.count, let digit = digit(bytes[index]) { phase = phase * 10 + digit; index += 1 }
        guard index < bytes.count, bytes[index] == UInt8(ascii: " ") else { return nil }
        index += 1
        var nanos: UInt64 = 0
        while index < bytes.count, let digit = digit(bytes[index]) { nanos = nanos * 10 + UInt64(digit); index += 1 }
        return (phase, nanos)
    }

    private static func digit(_ byte: UInt8) -> Int? {
        (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) ? Int(byte - UInt8(ascii: "0")) : nil
    }
}
