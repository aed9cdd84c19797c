import Foundation
import MetropoleMedia
import NIOCore
import NIOHTTP1
import NIOWebSocket
import Vapor

/// Upgrades a player request to a WebSocket served by `PlayerSocketHandler` on the NIO
/// pipeline, so a delivery's frames are written together and flushed once (WebSocketKit's
/// `send` flushes every frame; one `writev` per fragment per viewer dominated fan-out CPU).
struct PlayerUpgrader: Upgrader {
    var entry: LiveDirectory.Entry
    var viewer: String
    var userID: UUID?
    var live: LiveServices

    func applyUpgrade(req: Request, res: Response) -> any HTTPServerProtocolUpgrader {
        let (entry, viewer, userID, live) = (entry, viewer, userID, live)
        return NIOWebSocketServerUpgrader(
            maxFrameSize: 1 << 14,
            automaticErrorHandling: false,
            shouldUpgrade: { channel, _ in channel.eventLoop.makeSucceededFuture([:]) },
            upgradePipelineHandler: { channel, _ in
                channel.eventLoop.makeCompletedFuture {
                    let outlet = RawFrameOutlet()
                    try channel.pipeline.syncOperations.addHandler(outlet, position: .first)
                    try channel.pipeline.syncOperations.addHandler(
                        PlayerSocketHandler(entry: entry, viewer: viewer, userID: userID, live: live, outlet: outlet))
                }
            }
        )
    }
}

/// One viewer's player socket: feeds the hub's deliveries to the socket, answers pings and
/// closes, and leaves the hub, the viewer count and the ejection registry when the socket ends.
final class PlayerSocketHandler: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = WebSocketFrame
    static let writeTimeout: TimeAmount = .seconds(10)

    private let entry: LiveDirectory.Entry
    private let viewer: String
    private let userID: UUID?
    private let live: LiveServices
    private let outlet: RawFrameOutlet
    private let subscription: LiveSubscription
    private var feeder: Task<Void, Never>?

    init(entry: LiveDirectory.Entry, viewer: String, userID: UUID?, live: LiveServices, outlet: RawFrameOutlet) {
        self.entry = entry
        self.viewer = viewer
        self.userID = userID
        self.live = live
        self.outlet = outlet
        self.subscription = entry.hub.subscribe()
    }

    func handlerAdded(context: ChannelHandlerContext) {
        let channel = context.channel
        live.directory.viewers.socketOpened(username: entry.username, viewer: viewer)
        if let userID {
            live.players.add(id: ObjectIdentifier(self), viewerID: userID, ownerID: entry.ownerID) { [weak self] code in
                channel.eventLoop.execute { self?.close(code: code) }
            }
        }
        let (subscription, loop) = (subscription, context.eventLoop)
        feeder = Task { [weak self] in
            for await delivery in subscription {
                let written = loop.flatSubmit { () -> EventLoopFuture<Void> in
                    guard let self else { return loop.makeFailedFuture(ChannelError.ioOnClosedChannel) }
                    return self.write(delivery, on: loop)
                }
                // A reader that stops reading altogether would hold this write forever; the hub
                // has long dropped it by then, so the socket goes too.
                let watchdog = loop.scheduleTask(in: Self.writeTimeout) { self?.close(code: 1008) }
                defer { watchdog.cancel() }
                do { try await written.get() } catch { break }
            }
        }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        feeder?.cancel()
        subscription.close()
        live.directory.viewers.socketClosed(username: entry.username, viewer: viewer)
        if let userID { live.players.remove(id: ObjectIdentifier(self), viewerID: userID, ownerID: entry.ownerID) }
    }

    /// Writes one delivery as one message and flushes once; the future completes when the
    /// last byte is handed to the socket, so a slow reader backs up in the hub's bounded queue.
    private func write(_ delivery: LiveDelivery, on loop: any EventLoop) -> EventLoopFuture<Void> {
        guard let context = outlet.context else { return loop.makeFailedFuture(ChannelError.ioOnClosedChannel) }
        let done = loop.makePromise(of: Void.self)
        switch delivery {
        case .initSegment(let segment):
            writeMessage([segment], context: context, promise: done)
        case .fragments(let fragments):
            writeMessage(fragments.map(\.bytes), context: context, promise: done)
        case .end:
            context.write(NIOAny(WebSocketFrameBytes.text(ByteBuffer(string: #"{"type":"end"}"#))), promise: nil)
            context.writeAndFlush(NIOAny(WebSocketFrameBytes.close(code: 1000)), promise: done)
            done.futureResult.whenComplete { _ in context.channel.close(promise: nil) }
        case .dropped:
            close(code: 1008)
            done.succeed()
        case .restart:
            close(code: 1001)
            done.succeed()
        }
        return done.futureResult
    }

    /// The buffers as one binary message: the first frame, then continuation frames; headers
    /// are a few bytes each and the media buffers are shared, never copied.
    private func writeMessage(_ parts: [ByteBuffer], context: ChannelHandlerContext, promise: EventLoopPromise<Void>) {
        for (index, part) in parts.enumerated() {
            let isLast = index == parts.count - 1
            var header = context.channel.allocator.buffer(capacity: 10)
            header.writeInteger((isLast ? UInt8(0x80) : 0) | (index == 0 ? UInt8(0x2) : 0x0))
            let length = part.readableBytes
            if length < 126 {
                header.writeInteger(UInt8(length))
            } else if length < 65536 {
                header.writeInteger(UInt8(126))
                header.writeInteger(UInt16(length))
            } else {
                header.writeInteger(UInt8(127))
                header.writeInteger(UInt64(length))
            }
            context.write(NIOAny(header), promise: nil)
            context.write(NIOAny(part), promise: isLast ? promise : nil)
        }
        context.flush()
    }

    func close(code: UInt16) {
        guard let context = outlet.context else { return }
        let channel = context.channel
        context.writeAndFlush(NIOAny(WebSocketFrameBytes.close(code: code)), promise: nil)
        channel.close(promise: nil)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        switch frame.opcode {
        case .ping:
            outlet.context?.writeAndFlush(NIOAny(WebSocketFrameBytes.pong(frame.unmaskedData)), promise: nil)
        case .connectionClose:
            close(code: 1000)
        default:
            break // players send nothing else we use
        }
    }
}
