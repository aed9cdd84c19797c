import LoadSupport
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// A TCP relay in front of the RTMP server that notes when each audio and video message from
/// the publisher has fully arrived: the "frame in" time of the latency benchmark, on the same
/// clock as the viewers' "fragment out" times.
final class RTMPTimingProxy: Sendable {
    struct Arrival: Sendable {
        var isVideo: Bool
        var timestamp: Int64
        var wallNanoseconds: Int64
    }

    let arrivals = NIOLockedValueBox<[Arrival]>([])
    private let group: any EventLoopGroup
    private let targetHost: String
    private let targetPort: Int

    init(group: any EventLoopGroup, targetHost: String, targetPort: Int) {
        self.group = group
        self.targetHost = targetHost
        self.targetPort = targetPort
    }

    func start(host: String, port: Int) async throws {
        let (group, targetHost, targetPort) = (self.group, self.targetHost, self.targetPort)
        _ = try await ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { [self] publisher in
                ClientBootstrap(group: publisher.eventLoop)
                    .channelOption(.socketOption(.tcp_nodelay), value: 1)
                    .connect(host: targetHost, port: targetPort)
                    .flatMapThrowing { server in
                        try server.pipeline.syncOperations.addHandler(Relay(peer: publisher, watch: nil))
                        try publisher.pipeline.syncOperations.addHandler(Relay(peer: server, watch: self))
                    }
            }
            .bind(host: host, port: port).get()
    }

    func record(_ messages: [RTMPArrivalWatcher.Message], at now: Int64) {
        guard !messages.isEmpty else { return }
        arrivals.withLockedValue { arrivals in
            for message in messages {
                arrivals.append(Arrival(isVideo: message.isVideo, timestamp: message.timestamp, wallNanoseconds: now))
            }
        }
    }

    /// Copies one direction to the peer; the publisher's direction also feeds the watcher.
    private final class Relay: ChannelInboundHandler {
        typealias InboundIn = ByteBuffer
        let peer: any Channel
        let watch: RTMPTimingProxy?
        var watcher = RTMPArrivalWatcher()

        init(peer: any Channel, watch: RTMPTimingProxy?) {
            self.peer = peer
            self.watch = watch
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            let buffer = unwrapInboundIn(data)
            if let watch {
                let now = RealtimeClock.nanoseconds()
                watch.record(watcher.consume(buffer), at: now)
            }
            peer.writeAndFlush(buffer, promise: nil)
        }

        func channelInactive(context: ChannelHandlerContext) {
            peer.close(promise: nil)
        }

        func errorCaught(context: ChannelHandlerContext, error: any Error) {
            context.close(promise: nil)
        }
    }
}
