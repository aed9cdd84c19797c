import Fluent
import Foundation
import Logging
import NIOConcurrencyHelpers
import NIOCore
import PostgresNIO
import SQLKit

/// Events over PostgreSQL `LISTEN`/`NOTIFY`: one connection of its own listens; sending is a
/// `pg_notify` through the ordinary pool. PostgreSQL hands every listener the notifications in
/// commit order, so all nodes see one order. A notification sent while this node's listening
/// connection is down is lost to it; the connection is made again at once, then backing off.
final class PostgresEventTransport: EventTransport {
    static let channel = "metropole_events"
    /// NOTIFY refuses longer payloads.
    static let maximumPayloadBytes = 7999

    private let configuration: PostgresConnection.Configuration
    private let eventLoopGroup: any EventLoopGroup
    private let database: @Sendable () -> any Database
    private let logger: Logger
    private let state = NIOLockedValueBox(State())

    private struct State {
        var task: Task<Void, Never>?
        var connection: PostgresConnection?
        var stopped = false
    }

    init(configuration: PostgresConnection.Configuration, eventLoopGroup: any EventLoopGroup,
         database: @escaping @Sendable () -> any Database, logger: Logger) {
        self.configuration = configuration
        self.eventLoopGroup = eventLoopGroup
        self.database = database
        self.logger = logger
    }

    func start(_ receive: @escaping @Sendable ([String]) -> Void) async throws {
        let (ready, readySignal) = AsyncThrowingStream.makeStream(of: Void.self)
        let task = Task { await self.listen(receive, ready: readySignal) }
        state.withLockedValue { $0.task = task }
        // The first LISTEN must work: the database answered the migrations a moment ago.
        for try await _ in ready { return }
    }

    private func listen(_ receive: @escaping @Sendable ([String]) -> Void,
                        ready: AsyncThrowingStream<Void, any Error>.Continuation) async {
        var failures = 0
        while !Task.isCancelled, !state.withLockedValue({ $0.stopped }) {
            do {
                let connection = try await PostgresConnection.connect(
                    on: eventLoopGroup.next(), configuration: configuration, id: 1, logger: logger
                ).get()
                let stopped = state.withLockedValue { state in
                    state.connection = connection
                    return state.stopped
                }
                if stopped { try? await connection.close(); return }
                try await connection.listen(on: Self.channel) { notifications in
                    ready.yield(())
                    ready.finish()
                    if failures > 0 { logger.notice("cluster events: listening again") }
                    failures = 0
                    // Notifications come one by one; those read together go on together.
                    let arrivals = Arrivals(loop: connection.eventLoop, receive: receive)
                    for try await notification in notifications { arrivals.add(notification.payload) }
                }
                try? await connection.close()
            } catch {
                if state.withLockedValue({ $0.stopped }) { break }
                failures += 1
                if failures == 1 { logger.warning("cluster events: LISTEN failed, trying again: \(String(reflecting: error))") }
                if failures >= 10 { ready.finish(throwing: error) }
            }
            state.withLockedValue { $0.connection = nil }
            let backoff = min(2.0, 0.05 * Double(1 << min(failures, 6)))
            try? await Task.sleep(for: .seconds(backoff))
        }
        ready.finish()
    }

    /// Collects payloads and hands them on in one call a quarter of a millisecond after the
    /// first: the connection reads many notifications at once and the iteration takes them
    /// one by one, possibly on another thread.
    private final class Arrivals: Sendable {
        let loop: any EventLoop
        let receive: @Sendable ([String]) -> Void
        private let pending = NIOLockedValueBox([String]())

        init(loop: any EventLoop, receive: @escaping @Sendable ([String]) -> Void) {
            self.loop = loop
            self.receive = receive
        }

        func add(_ payload: String) {
            let first = pending.withLockedValue { pending in
                pending.append(payload)
                return pending.count == 1
            }
            guard first else { return }
            loop.scheduleTask(in: .microseconds(250)) { [self] in
                let batch = pending.withLockedValue { pending in
                    defer { pending.removeAll(keepingCapacity: true) }
                    return pending
                }
                receive(batch)
            }
        }
    }

    func publish(_ payloads: [String]) async throws {
        guard let sql = database() as? any SQLDatabase else { return }
        var calls: [SQLQueryString] = []
        for payload in payloads {
            guard payload.utf8.count <= Self.maximumPayloadBytes else {
                logger.warning("cluster events: dropped an event of \(payload.utf8.count) bytes (NOTIFY takes \(Self.maximumPayloadBytes))")
                continue
            }
            calls.append("pg_notify('\(unsafeRaw: Self.channel)', \(bind: payload))")
        }
        guard !calls.isEmpty else { return }
        // One statement, one transaction: its notifications are delivered together, in order.
        try await sql.raw("SELECT " + calls.joined(separator: ", ")).run()
    }

    func stop() async {
        let (task, connection) = state.withLockedValue { state in
            state.stopped = true
            return (state.task, state.connection)
        }
        task?.cancel()
        try? await connection?.close()
        await task?.value
    }
}
