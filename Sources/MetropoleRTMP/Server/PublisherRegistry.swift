import NIOConcurrencyHelpers
import NIOCore

/// Asks a session to close its connection, from outside its event loop.
struct RTMPCloseRequest: Sendable {
    var reason: String
}

/// Who publishes which stream right now, and every open connection, shared by all event loops.
final class PublisherRegistry: Sendable {
    struct Publisher: Sendable {
        fileprivate var token: UInt64
        var channel: any Channel
        /// Completes once that publisher's `unpublished` has been delivered.
        var ended: EventLoopFuture<Void>
    }

    /// Closes `channel`, letting its session log why first.
    static func close(_ channel: any Channel, reason: String) {
        channel.pipeline.fireUserInboundEventTriggered(RTMPCloseRequest(reason: reason))
        channel.close(promise: nil)
    }

    private struct State {
        var publishers: [String: Publisher] = [:]
        var connections: [ObjectIdentifier: any Channel] = [:]
        var nextToken: UInt64 = 0
        var isShutDown = false
    }

    private let state = NIOLockedValueBox(State())

    /// Records `channel` as the publisher of `streamID`; returns the one it replaces, if any.
    func claim(streamID: String, channel: any Channel, ended: EventLoopFuture<Void>) -> (token: UInt64, replaced: Publisher?) {
        state.withLockedValue { state in
            state.nextToken += 1
            let token = state.nextToken
            let replaced = state.publishers.updateValue(Publisher(token: token, channel: channel, ended: ended), forKey: streamID)
            return (token, replaced)
        }
    }

    /// Forgets the publisher unless a newer one has claimed the stream since.
    func release(streamID: String, token: UInt64) {
        state.withLockedValue { state in
            if state.publishers[streamID]?.token == token {
                state.publishers[streamID] = nil
            }
        }
    }

    func publisher(of streamID: String) -> Publisher? {
        state.withLockedValue { $0.publishers[streamID] }
    }

    /// False once shut down: the connection must be refused.
    func opened(_ channel: any Channel) -> Bool {
        state.withLockedValue { state in
            guard !state.isShutDown else { return false }
            state.connections[ObjectIdentifier(channel)] = channel
            return true
        }
    }

    func closed(_ channel: any Channel) {
        _ = state.withLockedValue { $0.connections.removeValue(forKey: ObjectIdentifier(channel)) }
    }

    /// Refuses new connections from now on; returns the open ones and current publishers.
    func shutDown() -> (connections: [any Channel], publishers: [Publisher]) {
        state.withLockedValue { state in
            state.isShutDown = true
            return (Array(state.connections.values), Array(state.publishers.values))
        }
    }
}
