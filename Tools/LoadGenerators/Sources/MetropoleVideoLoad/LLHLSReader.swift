import LoadSupport
import NIOCore
import NIOHTTP1
import NIOPosix

/// One LL-HLS reader as a low-latency player reads: the playlist once, then a blocking reload
/// for the next part and every new part it lists, one request at a time over one keep-alive
/// connection, until `deadline`. Each part's delay is the wall clock when its last byte arrived
/// minus the moment its last frame was ingested. Runs on its channel's event loop alone.
final class LLHLSReader: ChannelInboundHandler {
    typealias InboundIn = HTTPClientResponsePart
    typealias OutboundOut = HTTPClientRequestPart

    struct Outcome: Sendable {
        var delaysMilliseconds: [Int] = []
        var errors: [String] = []
        var parts: Int { delaysMilliseconds.count }
    }

    private enum Asking {
        case playlist
        case blockingPlaylist
        case part(LLHLSPlaylistReading.Part)
    }

    private let host: String
    private let playlistPath: String
    private let deadlineMilliseconds: Int64
    private let done: EventLoopPromise<Outcome>
    private var result = Outcome()
    private var asking = Asking.playlist
    private var status = 0
    private var body: ByteBuffer?
    /// The newest part listed so far: the blocking reload names the one after it.
    private var last: LLHLSPlaylistReading.Position?
    private var queue: [LLHLSPlaylistReading.Part] = []
    private var next = LLHLSPlaylistReading.Position(msn: 0, index: 0)

    init(host: String, playlistPath: String, deadlineMilliseconds: Int64, done: EventLoopPromise<Outcome>) {
        self.host = host
        self.playlistPath = playlistPath
        self.deadlineMilliseconds = deadlineMilliseconds
        self.done = done
    }

    private var base: Substring { playlistPath[...(playlistPath.lastIndex(of: "/") ?? playlistPath.startIndex)] }

    func channelActive(context: ChannelHandlerContext) {
        get(playlistPath, context: context)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            status = Int(head.status.code)
            body = nil
        case .body(var bytes):
            if body == nil { body = bytes } else { body!.writeBuffer(&bytes) }
        case .end:
            answered(context: context)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        if now() < deadlineMilliseconds { result.errors.append("connection closed") }
        done.succeed(result)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        result.errors.append("\(error)")
        context.close(promise: nil)
    }

    private func answered(context: ChannelHandlerContext) {
        switch asking {
        case .playlist, .blockingPlaylist:
            let wasBlocking = if case .blockingPlaylist = asking { true } else { false }
            guard status == 200 else {
                result.errors.append("\(wasBlocking ? "blocking playlist" : "playlist") \(status)")
                guard wasBlocking else { return context.close(promise: nil) }
                // As a player would: wait a moment, then ask again.
                context.eventLoop.assumeIsolated().scheduleTask(in: .milliseconds(200)) { self.askNext(context: context) }
                return
            }
            let reading = body.flatMap { body in
                body.withUnsafeReadableBytes { LLHLSPlaylistReading($0, after: wasBlocking ? last : nil) }
            }
            guard let playlist = reading else {
                result.errors.append("unreadable playlist")
                return context.close(promise: nil)
            }
            next = playlist.next
            last = playlist.last ?? last
            // The first playlist only finds the live edge; parts listed later are fetched.
            if wasBlocking { queue += playlist.parts }
        case .part(let part):
            if status == 200, body?.readableBytes ?? 0 > 0 {
                result.delaysMilliseconds.append(Int(now() - part.endsAtMilliseconds))
            } else {
                result.errors.append("part \(status)")
            }
        }
        askNext(context: context)
    }

    private func askNext(context: ChannelHandlerContext) {
        guard now() < deadlineMilliseconds else { return context.close(promise: nil) }
        if !queue.isEmpty {
            let part = queue.removeFirst()
            asking = .part(part)
            get(base + part.uri, context: context)
        } else {
            asking = .blockingPlaylist
            get("\(playlistPath)?_HLS_msn=\(next.msn)&_HLS_part=\(next.index)", context: context)
        }
    }

    private func get(_ path: String, context: ChannelHandlerContext) {
        var head = HTTPRequestHead(version: .http1_1, method: .GET, uri: path)
        head.headers.add(name: "Host", value: host)
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
    }

    private func now() -> Int64 { RealtimeClock.nanoseconds() / 1_000_000 }
}

extension LLHLSReader {
    /// `count` readers of the playlist at `url` until `seconds` from now, started
    /// `stagger` apart, as players arriving one after another.
    static func readAll(url: ServerURL, count: Int, seconds: Double, stagger: TimeAmount, group: any EventLoopGroup)
        async -> [Outcome]
    {
        let deadline = RealtimeClock.nanoseconds() / 1_000_000 + Int64(seconds * 1000)
        var running: [EventLoopFuture<Outcome>] = []
        for _ in 0..<count {
            let loop = group.next()
            let done = loop.makePromise(of: Outcome.self)
            let connected = ClientBootstrap(group: loop)
                .channelOption(.tcpOption(.tcp_nodelay), value: 1)
                .connectTimeout(.seconds(15))
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHTTPClientHandlers()
                        try channel.pipeline.syncOperations.addHandler(
                            LLHLSReader(host: url.authority, playlistPath: url.path, deadlineMilliseconds: deadline, done: done)
                        )
                    }
                }
                .connect(host: url.host, port: url.port)
            connected.whenFailure { done.succeed(Outcome(errors: ["connect: \($0)"])) }
            running.append(done.futureResult)
            try? await Task.sleep(nanoseconds: UInt64(stagger.nanoseconds))
        }
        var outcomes: [Outcome] = []
        for reader in running {
            outcomes.append((try? await reader.get()) ?? Outcome(errors: ["lost"]))
        }
        return outcomes
    }
}
