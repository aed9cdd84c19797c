import LoadSupport
import NIOCore
import NIOPosix
import NIOWebSocket

/// Opens the signed-in sender's chat WebSocket on NIO and waits for the server's hello.
enum ChatConnector {
    static func openSender(options: LoadOptions, group: MultiThreadedEventLoopGroup, stats: LoadStats) async throws -> Sender {
        let greeted = group.next().makePromise(of: Void.self)
        let channel = try await WebSocketClient.connect(
            host: "127.0.0.1", port: options.port, path: "/api/v1/streams/\(options.channel)/chat",
            headers: [("Authorization", "Bearer \(options.token)")], maxFrameSize: 1 << 16, group: group
        ) { ReaderHandler(stats: stats, greeted: greeted) }
        try await greeted.futureResult.get()
        return Sender(channel: channel)
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
