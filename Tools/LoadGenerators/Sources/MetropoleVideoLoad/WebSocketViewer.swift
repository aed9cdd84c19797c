import LoadSupport
import NIOCore
import NIOWebSocket

/// One viewer of a live fMP4 feed, after NIO's WebSocket decoder: it counts bytes and messages,
/// times `moof`s for latency, answers pings and closes, and throws the media away.
///
/// The server sends each delivery as one message: the init segment, or one frame per fragment
/// (`moof` + `mdat`), so the start of each frame says what it is.
final class WebSocketViewer: ChannelInboundHandler {
    typealias InboundIn = WebSocketFrame
    typealias OutboundOut = WebSocketFrame

    /// The largest frame NIO's decoder will gather: a fragment is one frame, and a keyframe of
    /// a high-rate stream can be megabytes.
    static let maxFrameSize = 16 << 20

    private let stats: ViewerStats
    private var probe = FMP4Probe()

    init(stats: ViewerStats) {
        self.stats = stats
    }

    func handlerAdded(context: ChannelHandlerContext) {
        stats.connectedAt = RealtimeClock.nanoseconds()
    }

    func channelInactive(context: ChannelHandlerContext) {
        stats.isClosed = true
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        stats.failure = stats.failure ?? "\(error)"
        context.close(promise: nil)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        let now = RealtimeClock.nanoseconds()
        switch frame.opcode {
        case .binary, .continuation:
            stats.bytes += frame.length
            frameReceived(frame.data, at: now)
            if frame.fin { messageEnded(at: now) }
        case .text:
            stats.bytes += frame.length
            if frame.data.readableBytesView.firstRange(of: #""end""#.utf8) != nil { stats.sawEnd = true }
            if frame.fin { messageEnded(at: now) }
        case .connectionClose:
            var payload = frame.data
            let code = payload.readInteger(as: UInt16.self)
            stats.closeCode = code.map(Int.init) ?? 1005
            var echo = context.channel.allocator.buffer(capacity: 2)
            if let code { echo.writeInteger(code) }
            Self.send(WebSocketFrame(fin: true, opcode: .connectionClose, maskKey: .random(), data: echo), on: context.channel, thenClose: true)
        case .ping:
            Self.send(WebSocketFrame(fin: true, opcode: .pong, maskKey: .random(), data: frame.data), on: context.channel, thenClose: false)
        default:
            break
        }
    }

    private func frameReceived(_ bytes: ByteBuffer, at now: Int64) {
        if FMP4Probe.startsWith(.moof, bytes) {
            if stats.fragmentTimes != nil, let time = probe.fragmentTime(bytes) {
                stats.fragmentTimes?.append((time.isVideo, time.milliseconds, now))
            }
        } else if FMP4Probe.startsWith(.ftyp, bytes) {
            probe.readInitSegment(bytes)
            stats.initSegmentAt = now
        }
    }

    private func messageEnded(at now: Int64) {
        stats.messages += 1
        if let last = stats.lastMessageAt { stats.maxGap = max(stats.maxGap, now - last) }
        stats.lastMessageAt = now
    }

    private static func send(_ frame: WebSocketFrame, on channel: any Channel, thenClose: Bool) {
        let written = channel.writeAndFlush(frame)
        if thenClose { written.whenComplete { _ in channel.close(promise: nil) } }
    }

    /// Sends a close frame (1000, normal closure) and closes once it is written.
    static func close(_ channel: any Channel) {
        var code = channel.allocator.buffer(capacity: 2)
        code.writeInteger(UInt16(1000))
        send(WebSocketFrame(fin: true, opcode: .connectionClose, maskKey: .random(), data: code), on: channel, thenClose: true)
    }
}
