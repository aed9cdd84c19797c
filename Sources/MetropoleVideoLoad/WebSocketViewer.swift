import NIOCore

/// A WebSocket client that reads a live fMP4 feed and throws the media away: it upgrades with a
/// fixed request, then scans frames as they stream in without buffering payloads (a keyframe
/// is never held in memory), counting bytes and messages and reading the first bytes of each
/// frame to time `moof`s. Server frames are unmasked; the only frames it sends are pong and
/// close, masked as RFC 6455 requires.
final class WebSocketViewer: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private enum Phase {
        case handshake
        case frameHeader
        case payload(remaining: Int)
    }

    private let host: String
    private let port: Int
    private let path: String
    private let stats: ViewerStats
    private let upgraded: EventLoopPromise<Void>
    private var phase = Phase.handshake
    private var carry: ByteBuffer?
    private var opcode: UInt8 = 0
    private var messageOpcode: UInt8 = 0
    private var isFinal = false
    private var capture: [UInt8] = []
    private var captureLimit = 0
    private var probe = FMP4Probe()

    /// Bytes kept from the start of each frame: a `moof` with its `mdat` header is 112 bytes.
    private static let headerCapture = 256
    private static let initCapture = 16 << 10

    init(host: String, port: Int, path: String, stats: ViewerStats, upgraded: EventLoopPromise<Void>) {
        self.host = host
        self.port = port
        self.path = path
        self.stats = stats
        self.upgraded = upgraded
    }

    func channelActive(context: ChannelHandlerContext) {
        let request = "GET \(path) HTTP/1.1\r\nHost: \(host):\(port)\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
        context.writeAndFlush(wrapOutboundOut(context.channel.allocator.buffer(string: request)), promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        stats.isClosed = true
        upgraded.fail(ChannelError.eof)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        stats.failure = stats.failure ?? "\(error)"
        context.close(promise: nil)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var buffer = unwrapInboundIn(data)
        if var carried = carry {
            carry = nil
            carried.writeBuffer(&buffer)
            buffer = carried
        }
        let now = WallClock.nanoseconds()
        while buffer.readableBytes > 0 {
            switch phase {
            case .handshake:
                guard readHandshake(&buffer, context: context) else { return }
            case .frameHeader:
                guard readFrameHeader(&buffer) else {
                    carry = buffer
                    return
                }
            case .payload(let remaining):
                let count = min(remaining, buffer.readableBytes)
                if capture.count < captureLimit {
                    capture.append(contentsOf: buffer.readableBytesView.prefix(min(count, captureLimit - capture.count)))
                }
                buffer.moveReaderIndex(forwardBy: count)
                stats.bytes += count
                phase = .payload(remaining: remaining - count)
                if remaining == count { frameEnded(context: context, at: now) }
            }
        }
    }

    /// Reads the HTTP answer; false when more bytes are needed or the upgrade failed.
    private func readHandshake(_ buffer: inout ByteBuffer, context: ChannelHandlerContext) -> Bool {
        let view = buffer.readableBytesView
        guard let end = view.firstRange(of: [13, 10, 13, 10]) else {
            carry = buffer
            buffer.moveReaderIndex(forwardBy: buffer.readableBytes)
            return false
        }
        let head = String(decoding: view[view.startIndex..<end.lowerBound], as: UTF8.self)
        buffer.moveReaderIndex(to: end.upperBound)
        guard head.hasPrefix("HTTP/1.1 101") else {
            stats.failure = String(head.prefix(while: { $0 != "\r" }))
            context.close(promise: nil)
            return false
        }
        stats.connectedAt = WallClock.nanoseconds()
        phase = .frameHeader
        upgraded.succeed()
        return true
    }

    private func readFrameHeader(_ buffer: inout ByteBuffer) -> Bool {
        guard let first = buffer.getInteger(at: buffer.readerIndex, as: UInt8.self),
              let second = buffer.getInteger(at: buffer.readerIndex + 1, as: UInt8.self) else { return false }
        var length = Int(second & 0x7F)
        var headerSize = 2
        if length == 126 {
            guard let extended = buffer.getInteger(at: buffer.readerIndex + 2, as: UInt16.self) else { return false }
            length = Int(extended)
            headerSize = 4
        } else if length == 127 {
            guard let extended = buffer.getInteger(at: buffer.readerIndex + 2, as: UInt64.self) else { return false }
            length = Int(clamping: extended)
            headerSize = 10
        }
        if second & 0x80 != 0 { headerSize += 4 } // a masked server frame: skip the key
        guard buffer.readableBytes >= headerSize else { return false }
        buffer.moveReaderIndex(forwardBy: headerSize)
        isFinal = first & 0x80 != 0
        opcode = first & 0x0F
        if opcode != 0 && opcode < 8 { messageOpcode = opcode }
        capture.removeAll(keepingCapacity: true)
        captureLimit = opcode >= 8 ? 125 : (probe.tracks.isEmpty ? Self.initCapture : Self.headerCapture)
        phase = .payload(remaining: length)
        if length == 0 { frameEnded(context: nil, at: WallClock.nanoseconds()) }
        return true
    }

    private func frameEnded(context: ChannelHandlerContext?, at now: Int64) {
        phase = .frameHeader
        switch opcode {
        case 0, 2:
            if FMP4Probe.startsWith("moof", capture) {
                if stats.fragmentTimes != nil, let time = probe.fragmentTime(capture) {
                    stats.fragmentTimes?.append((time.isVideo, time.milliseconds, now))
                }
            } else if FMP4Probe.startsWith("ftyp", capture) {
                probe.readInitSegment(capture)
                stats.initSegmentAt = now
            }
            if isFinal { messageEnded(at: now) }
        case 1:
            if String(decoding: capture, as: UTF8.self).contains("\"end\"") { stats.sawEnd = true }
            if isFinal { messageEnded(at: now) }
        case 8:
            stats.closeCode = capture.count >= 2 ? Int(capture[0]) << 8 | Int(capture[1]) : 1005
            if let context { send(opcode: 8, payload: Array(capture.prefix(2)), context: context, thenClose: true) }
        case 9:
            if let context { send(opcode: 10, payload: capture, context: context, thenClose: false) }
        default:
            break
        }
    }

    private func messageEnded(at now: Int64) {
        stats.messages += 1
        if let last = stats.lastMessageAt { stats.maxGap = max(stats.maxGap, now - last) }
        stats.lastMessageAt = now
    }

    private func send(opcode: UInt8, payload: [UInt8], context: ChannelHandlerContext, thenClose: Bool) {
        var frame = context.channel.allocator.buffer(capacity: 6 + payload.count)
        frame.writeInteger(0x80 | opcode)
        frame.writeInteger(0x80 | UInt8(payload.count))
        frame.writeBytes([0, 0, 0, 0]) // a zero mask key leaves the payload as is
        frame.writeBytes(payload)
        let written = context.writeAndFlush(wrapOutboundOut(frame))
        if thenClose {
            let channel = context.channel
            written.whenComplete { _ in channel.close(promise: nil) }
        }
    }

    /// Sends a close frame (1000) and closes once it is written.
    static func close(_ channel: any Channel) {
        var frame = channel.allocator.buffer(capacity: 8)
        frame.writeBytes([0x88, 0x82, 0, 0, 0, 0, 0x03, 0xE8])
        channel.writeAndFlush(frame).whenComplete { _ in channel.close(promise: nil) }
    }
}
