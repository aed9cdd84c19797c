import NIOCore
import NIOHTTP1
import NIOWebSocket
import Vapor

/// Upgrades a chat request to a WebSocket served by `ChatSocketHandler` directly on the NIO
/// pipeline. The chat writes pre-encoded frame bytes, so the frame encoder NIO installs is
/// removed; inbound frames are still decoded (and fragments joined) by NIO.
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
                    let encoder = try pipeline.context(handlerType: WebSocketFrameEncoder.self)
                    pipeline.removeHandler(context: encoder, promise: nil)
                    try pipeline.addHandler(NIOWebSocketFrameAggregator(
                        minNonFinalFragmentSize: 0, maxAccumulatedFrameCount: 16, maxAccumulatedFrameSize: Self.maxFrameSize
                    ))
                    try pipeline.addHandler(ChatSocketHandler(participant: participant, follows: follows, room: room, service: service))
                }
            }
        )
    }
}
