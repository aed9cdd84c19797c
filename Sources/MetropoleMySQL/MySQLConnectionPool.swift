import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// Connections plus the threads that drive them. Connector/C blocks, so every call runs on
/// `threadPool`, which has exactly as many threads as the pool has connections: a lease is a
/// connection, and at most one thread works on it at a time.
public final class MySQLConnectionPool: Sendable {
    public let configuration: MySQLConfiguration
    let threadPool: NIOThreadPool
    let logger: Logger
    private let state = NIOLockedValueBox(State())

    private enum Grant { case connection(MySQLConnection), slot }

    private struct State {
        var idle: [MySQLConnection] = []
        var open = 0
        var waiters: [(id: Int, continuation: CheckedContinuation<Grant, any Error>)] = []
        var nextWaiter = 0
        var closed = false
        /// Totals for tests and diagnostics.
        var opened = 0
        var discarded = 0
    }

    /// How many connections were opened and how many were thrown away as broken, so far.
    public var statistics: (opened: Int, discarded: Int, open: Int) {
        state.withLockedValue { ($0.opened, $0.discarded, $0.open) }
    }

    public init(configuration: MySQLConfiguration, logger: Logger = Logger(label: "metropole.mysql")) {
        self.configuration = configuration
        self.logger = logger
        threadPool = NIOThreadPool(numberOfThreads: max(1, configuration.maxConnections))
        threadPool.start()
    }

    /// Leases a connection for `body`; it goes back to the pool afterwards, or is closed if it broke.
    func withConnection<T>(_ body: (MySQLConnection) async throws -> T) async throws -> T {
        let connection = try await acquire()
        do {
            let result = try await body(connection)
            release(connection)
            return result
        } catch {
            release(connection)
            throw error
        }
    }

    /// Runs one blocking call on a driver thread.
    func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await threadPool.runIfActive(body)
    }

    private func acquire() async throws -> MySQLConnection {
        while true {
            let grant: Grant? = try state.withLockedValue { state in
                if state.closed { throw MySQLError(kind: .connectionLost, code: 2006, message: "the MySQL connection pool is shut down") }
                if let connection = state.idle.popLast() { return .connection(connection) }
                if state.open < configuration.maxConnections {
                    state.open += 1
                    state.opened += 1
                    return .slot
                }
                return nil
            }
            let granted: Grant
            if let grant { granted = grant } else { granted = try await waitForGrant() }
            switch granted {
            case .connection(let connection):
                // A connection the server closed while idle is never handed out.
                if connection.looksAlive() { return connection }
                discard(connection)
            case .slot:
                do {
                    let configuration = self.configuration
                    return try await run { try MySQLConnection.connect(configuration) }
                } catch {
                    state.withLockedValue { $0.open -= 1 }
                    handOverFreedSlot()
                    throw error
                }
            }
        }
    }

    private func waitForGrant() async throws -> Grant {
        let timeout = configuration.poolTimeoutSeconds
        return try await withCheckedThrowingContinuation { continuation in
            let id = state.withLockedValue { state in
                state.nextWaiter += 1
                state.waiters.append((state.nextWaiter, continuation))
                return state.nextWaiter
            }
            Task { [weak self] in
                try? await Task.sleep(for: .seconds(timeout))
                guard let self else { return }
                let expired = self.state.withLockedValue { state -> CheckedContinuation<Grant, any Error>? in
                    guard let position = state.waiters.firstIndex(where: { $0.id == id }) else { return nil }
                    return state.waiters.remove(at: position).continuation
                }
                expired?.resume(throwing: MySQLError(kind: .timeout, code: 0, message: "no MySQL connection became free within \(timeout) s (pool-size=\(self.configuration.maxConnections))"))
            }
        }
    }

    private func release(_ connection: MySQLConnection) {
        if connection.isBroken {
            discard(connection)
            return
        }
        let waiter = state.withLockedValue { state -> CheckedContinuation<Grant, any Error>? in
            if state.closed || state.waiters.isEmpty {
                if !state.closed { state.idle.append(connection) }
                return nil
            }
            return state.waiters.removeFirst().continuation
        }
        if let waiter { waiter.resume(returning: .connection(connection)) }
        else if state.withLockedValue({ $0.closed }) { closeInBackground(connection, countAsDiscarded: false) }
    }

    private func discard(_ connection: MySQLConnection) {
        logger.debug("discarding a broken MySQL connection", metadata: ["server-thread": "\(connection.serverThreadID)"])
        closeInBackground(connection, countAsDiscarded: true)
        handOverFreedSlot()
    }

    /// A connection closed: a waiter (if any) may open a new one in its place.
    private func handOverFreedSlot() {
        let waiter = state.withLockedValue { state -> CheckedContinuation<Grant, any Error>? in
            guard !state.waiters.isEmpty, state.open < configuration.maxConnections else { return nil }
            state.open += 1
            state.opened += 1
            return state.waiters.removeFirst().continuation
        }
        waiter?.resume(returning: .slot)
    }

    private func closeInBackground(_ connection: MySQLConnection, countAsDiscarded: Bool) {
        state.withLockedValue { state in
            state.open -= 1
            if countAsDiscarded { state.discarded += 1 }
        }
        threadPool.submit { _ in connection.close() }
    }

    /// Closes every connection and stops the threads. Leased connections close when returned.
    public func shutdown() async {
        let (idle, waiters) = state.withLockedValue { state in
            state.closed = true
            defer { state.idle.removeAll(); state.waiters.removeAll() }
            return (state.idle, state.waiters)
        }
        for waiter in waiters {
            waiter.continuation.resume(throwing: MySQLError(kind: .connectionLost, code: 2006, message: "the MySQL connection pool is shut down"))
        }
        for connection in idle {
            _ = try? await run { connection.close() }
        }
        state.withLockedValue { $0.open -= idle.count }
        try? await threadPool.shutdownGracefully()
    }
}
