import Foundation
import Logging
import NIOConcurrencyHelpers

/// Carries events out of this process and brings back the other nodes' (decision 0052).
/// Implementations keep the database's order: everyone who receives two events receives them
/// in the same order.
protocol EventTransport: Sendable {
    /// Starts receiving. Returns once events published from now on will arrive.
    func start(_ receive: @escaping @Sendable (String) -> Void) async throws
    /// Sends a batch, in order.
    func publish(_ payloads: [String]) async throws
    func stop() async
}

/// This node among the others: its id, and the event bus every node shares through the
/// database. Changes that happened here are applied here at once and sent to the others;
/// chat messages (`Change.isOrdered`) are applied everywhere, here too, in the order the
/// database hands them out. On SQLite there is one node and no transport: events stay in the
/// process, delivered at once.
final class Cluster: Sendable {
    typealias Handler = @Sendable (_ event: ClusterEvent, _ fromHere: Bool) -> Void

    let nodeID = UUID()
    private let transport: (any EventTransport)?
    private let logger: Logger
    private let handlers = NIOLockedValueBox([Handler]())
    private let outbox = NIOLockedValueBox(Outbox())

    private struct Outbox {
        var pending: [String] = []
        var sending = false
    }

    init(transport: (any EventTransport)?, logger: Logger) {
        self.transport = transport
        self.logger = logger
    }

    /// Whether other nodes may exist (a shared database).
    var isShared: Bool { transport != nil }

    func on(_ handler: @escaping Handler) {
        handlers.withLockedValue { $0.append(handler) }
    }

    func start() async throws {
        try await transport?.start { [weak self] payload in self?.received(payload) }
    }

    func stop() async {
        await transport?.stop()
    }

    /// Applies `change` here (unless it is ordered) and tells every node.
    func publish(_ change: ClusterEvent.Change) {
        let event = ClusterEvent(origin: nodeID, change: change)
        guard transport != nil else {
            dispatch(event, fromHere: true)
            return
        }
        if !change.isOrdered { dispatch(event, fromHere: true) }
        let payload: String
        do { payload = try event.encoded() } catch {
            logger.report(error: error)
            return
        }
        let start = outbox.withLockedValue { outbox in
            outbox.pending.append(payload)
            defer { outbox.sending = true }
            return !outbox.sending
        }
        if start { Task { await self.drain() } }
    }

    /// One sender per node, so this node's events leave in the order they were published;
    /// whatever piled up meanwhile goes as one batch.
    private func drain() async {
        while true {
            let batch: [String] = outbox.withLockedValue { outbox in
                defer { outbox.pending.removeAll(keepingCapacity: true) }
                if outbox.pending.isEmpty { outbox.sending = false }
                return outbox.pending
            }
            guard !batch.isEmpty, let transport else { return }
            do {
                try await transport.publish(batch)
                MetropoleMetrics.clusterEventsSent.increment(by: batch.count)
            } catch {
                logger.warning("could not send \(batch.count) cluster event(s): \(String(reflecting: error))")
            }
        }
    }

    private func received(_ payload: String) {
        guard let event = ClusterEvent.decode(payload) else {
            logger.debug("ignored a cluster event that is not ours")
            return
        }
        MetropoleMetrics.clusterEventsReceived.increment()
        let fromHere = event.origin == nodeID
        // Unordered changes from here were applied when they were published.
        if fromHere && !event.change.isOrdered { return }
        dispatch(event, fromHere: fromHere)
    }

    private func dispatch(_ event: ClusterEvent, fromHere: Bool) {
        for handler in handlers.withLockedValue({ $0 }) { handler(event, fromHere) }
    }
}
