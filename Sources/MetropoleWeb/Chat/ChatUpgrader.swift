import NIOCore
import NIOHTTP1
import NIOWebSocket
import Vapor

/// Upgrades a chat request to a WebSocket served by `ChatSocketHandler` directly on the NIO
/// pipeline. Inbound frames are decoded (and fragments joined) by NIO; outbound, the chat
/// writes pre-encoded frame bytes through `RawFrameOutlet`, past NIO's frame encoder.
struct ChatUpgrader: Upgrader {
    /// 500 characters of up to 4 UTF-8 bytes, JSON-escaped, fit well within this.
    static let maxFrameSize = 16 * 1024

    var participant: ChatParticipant
    var follows: Bool
    var room: ChatRoom
    var service: ChatService

    func applyUpgrade(req: Request, res: Response) -> any HTTPServerProtocolUpgrader {
        let (participant, follows, room, service) = (participant, follows, room, service)
        return NIOWebSocketServerUpgrader(
            maxFrameSize: Self.maxFrameSize,
            automaticErrorHandling: false,
            shouldUpgrade: { channel, _ in channel.eventLoop.makeSucceededFuture([:]) },
            upgradePipelineHandler: { channel, _ in
                channel.eventLoop.makeCompletedFuture {
                    let pipeline = channel.pipeline.syncOperations
                    let outlet = RawFrameOutlet()
                    try pipeline.addHandler(outlet, position: .first)
                    try pipeline.addHandler(NIOWebSocketFrameAggregator(
                        minNonFinalFragmentSize: 0, maxAccumulatedFrameCount: 16, maxAccumulatedFrameSize: Self.maxFrameSize
                    ))
                    try pipeline.addHandler(ChatSocketHandler(
                        participant: participant, follows: follows, room: room, service: service, outlet: outlet
                    ))
                }
            }
        )
    }
}

/// Sits next to the socket, before NIO's frame encoder: writes made through its context go
/// straight to the socket, which is how the chat sends one pre-encoded frame to many sockets.
final class RawFrameOutlet: ChannelOutboundHandler {
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private(set) var context: ChannelHandlerContext?

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
    }
}
