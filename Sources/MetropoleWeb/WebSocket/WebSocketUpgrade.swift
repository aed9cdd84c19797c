import NIOCore
import NIOHTTP1
import NIOWebSocket
import Vapor

/// The answer to a WebSocket request the application accepted: `Response.upgrader` for
/// `WebSocketUpgrade.response(…)`. The HTTP edge writes the 101 and puts a
/// `WebSocketConnection` for `endpoint` on the connection; inbound frames are decoded and
/// joined by NIO, outbound ones are written as bytes (`RawFrameOutlet`).
struct WebSocketUpgrade: Upgrader {
    var maxFrameSize: Int
    var policy: SlowReaderPolicy
    var registry: WebSocketRegistry
    /// Made on the socket's event loop, once the upgrade is done.
    var endpoint: @Sendable () -> any WebSocketEndpoint

    /// A 101 answer that becomes this WebSocket.
    static func response(maxFrameSize: Int, policy: SlowReaderPolicy, registry: WebSocketRegistry,
                         endpoint: @escaping @Sendable () -> any WebSocketEndpoint) -> Response {
        let response = Response(status: .switchingProtocols)
        response.upgrader = WebSocketUpgrade(maxFrameSize: maxFrameSize, policy: policy, registry: registry, endpoint: endpoint)
        return response
    }

    /// 426 for a plain GET of a WebSocket URL.
    static func requireUpgrade(_ request: Request) throws {
        guard request.headers.first(name: .upgrade)?.lowercased() == "websocket" else {
            throw APIError(status: .upgradeRequired, code: "websocket_required", message: "Open this URL as a WebSocket.",
                           headers: ["Upgrade": "websocket"])
        }
    }

    func applyUpgrade(req: Request, res: Response) -> any HTTPServerProtocolUpgrader {
        let (maxFrameSize, policy, registry, endpoint) = (maxFrameSize, policy, registry, endpoint)
        return NIOWebSocketServerUpgrader(
            maxFrameSize: maxFrameSize,
            automaticErrorHandling: false,
            shouldUpgrade: { channel, _ in channel.eventLoop.makeSucceededFuture([:]) },
            upgradePipelineHandler: { channel, _ in
                channel.eventLoop.makeCompletedFuture {
                    let pipeline = channel.pipeline.syncOperations
                    let outlet = RawFrameOutlet()
                    try pipeline.addHandler(outlet, position: .first)
                    try pipeline.addHandler(NIOWebSocketFrameAggregator(
                        minNonFinalFragmentSize: 0, maxAccumulatedFrameCount: 16, maxAccumulatedFrameSize: maxFrameSize
                    ))
                    try pipeline.addHandler(WebSocketConnection(endpoint: endpoint(), policy: policy, registry: registry, outlet: outlet))
                }
            }
        )
    }
}
