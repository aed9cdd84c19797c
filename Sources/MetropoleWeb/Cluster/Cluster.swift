import Foundation
import Logging
import NIOConcurrencyHelpers

/// Carries events out of this process and brings back the other nodes' (decision 0052).
/// Implementations keep the database's order: everyone who receives two events receives them
/// in the same order.
protocol EventTransport: Sendable {
    /// Starts receiving, handing on what arrives together as one array. Returns once events
    /// published from now on will arrive.
    func start(_ receive: @escaping @Sendable ([String]) -> Void) async throws
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
        try await transport?.start { [weak self] payloads in self?.received(payloads) }
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
    /// whatever piled up meanwhile goes in batches of at most `batchLimit` (PostgreSQL takes
    /// 1,664 expressions in one SELECT; a MySQL packet has its limit too). A batch that fails
    /// is tried again twice before it is given up, with a warning (no error text: it would
    /// quote every payload).
    static let batchLimit = 200

    private func drain() async {
        while true {
            let batch: [String] = outbox.withLockedValue { outbox in
                let batch = Array(outbox.pending.prefix(Self.batchLimit))
                outbox.pending.removeFirst(batch.count)
                if batch.isEmpty { outbox.sending = false }
                return batch
            }
            guard !batch.isEmpty, let transport else { return }
            var attempt = 0
            while true {
                do {
                    try await transport.publish(batch)
                    MetropoleMetrics.clusterEventsSent.increment(by: batch.count)
                    break
                } catch {
                    attempt += 1
                    guard attempt < 3 else {
                        logger.warning("could not send \(batch.count) cluster event(s) after 3 attempts: \(type(of: error))")
                        break
                    }
                    try? await Task.sleep(for: .milliseconds(50 * attempt))
                }
            }
        }
    }

    /// Events that arrived together, handed on together: chat sockets then get them in one
    /// write each rather than one per message.
    func received(_ payloads: [String]) {
        for payload in payloads { received(payload) }
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
