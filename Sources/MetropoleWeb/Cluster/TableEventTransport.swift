import Fluent
import Foundation
import Logging
import NIOConcurrencyHelpers
import SQLKit

/// Events through a table every node polls (MySQL/MariaDB, which has no LISTEN; decision
/// 0052): sending is an INSERT, receiving a SELECT of the rows after the last one seen, every
/// `interval` and at once after this node sent. Rows older than `keep` are deleted.
final class TableEventTransport: EventTransport {
    static let table = "cluster_events"
    static let interval: Duration = .milliseconds(100)
    private static let tick: Duration = .milliseconds(5)
    static let keep: TimeInterval = 60
    private static let batchLimit = 1000

    private let database: @Sendable () -> any Database
    private let logger: Logger
    private let state = NIOLockedValueBox(State())

    private struct State {
        var task: Task<Void, Never>?
        var lastPruned = Date()
        var nudged = false
    }

    init(database: @escaping @Sendable () -> any Database, logger: Logger) {
        self.database = database
        self.logger = logger
    }

    private var sql: (any SQLDatabase)? { database() as? any SQLDatabase }

    func start(_ receive: @escaping @Sendable ([String]) -> Void) async throws {
        guard let sql else { return }
        // Only what is sent from now on: older rows were for the nodes running then.
        let newest = try await sql.raw("SELECT MAX(id) AS newest FROM \(ident: Self.table)").first()
        let last = try newest?.decodeNil(column: "newest") == false ? try newest?.decode(column: "newest", as: Int64.self) ?? 0 : 0
        let task = Task { await self.poll(after: last, receive) }
        state.withLockedValue { $0.task = task }
    }

    private func poll(after last: Int64, _ receive: @escaping @Sendable ([String]) -> Void) async {
        var sequencer = EventSequencer(after: last)
        var failing = false
        while !Task.isCancelled {
            do {
                guard let sql else { return }
                let rows = try await sql.raw("""
                    SELECT id, payload FROM \(ident: Self.table) WHERE id > \(bind: sequencer.last) ORDER BY id LIMIT \(literal: Self.batchLimit)
                    """).all()
                let fetched = try rows.map { (try $0.decode(column: "id", as: Int64.self), try $0.decode(column: "payload", as: String.self)) }
                let ready = sequencer.take(fetched, now: Date())
                if !ready.isEmpty { receive(ready) }
                if failing { logger.notice("cluster events: reading the events table again") }
                failing = false
                try await pruneNowAndThen(sql)
            } catch {
                if !failing { logger.warning("cluster events: cannot read \(Self.table): \(String(reflecting: error))") }
                failing = true
            }
            // The next round: after the interval, or within a tick when this node sent something.
            var waited: Duration = .zero
            while waited < Self.interval, !state.withLockedValue({ $0.nudged }) {
                try? await Task.sleep(for: Self.tick)
                waited += Self.tick
            }
            state.withLockedValue { $0.nudged = false }
        }
    }

    private func pruneNowAndThen(_ sql: any SQLDatabase) async throws {
        let now = Date()
        let due = state.withLockedValue { state in
            guard now.timeIntervalSince(state.lastPruned) > 10 else { return false }
            state.lastPruned = now
            return true
        }
        guard due else { return }
        try await sql.raw("DELETE FROM \(ident: Self.table) WHERE created_at < \(bind: now.addingTimeInterval(-Self.keep))").run()
    }

    func publish(_ payloads: [String]) async throws {
        guard let sql, !payloads.isEmpty else { return }
        let now = Date()
        // One multi-row INSERT: its rows get consecutive ids, in this order.
        let rows = payloads.map { payload -> SQLQueryString in "(\(bind: payload), \(bind: now))" }
        try await sql.raw("INSERT INTO \(ident: Self.table) (payload, created_at) VALUES " + rows.joined(separator: ", ")).run()
        state.withLockedValue { $0.nudged = true }
    }

    func stop() async {
        let task = state.withLockedValue { $0.task }
        task?.cancel()
        await task?.value
    }
}

/// Hands out rows of the events table once each, in id order, though ids are drawn at INSERT
/// and rows become visible at COMMIT: a higher id can be seen before a lower one. A gap is
/// waited for up to `patience` (an insert still committing), then skipped (one rolled back).
struct EventSequencer: Sendable {
    static let patience: TimeInterval = 1

    /// The last id handed out; the next query asks for what comes after it.
    private(set) var last: Int64
    private var held: [Int64: String] = [:]
    private var gapSince: Date?

    init(after last: Int64) {
        self.last = last
    }

    /// The payloads that can be handed out now, in order. Rows already handed out are ignored.
    mutating func take(_ rows: [(id: Int64, payload: String)], now: Date) -> [String] {
        for row in rows where row.id > last { held[row.id] = row.payload }
        var ready: [String] = []
        while let lowest = held.keys.min() {
            if lowest == last + 1 {
                ready.append(held.removeValue(forKey: lowest)!)
                last = lowest
                gapSince = nil
                continue
            }
            let since = gapSince ?? now
            gapSince = since
            guard now.timeIntervalSince(since) >= Self.patience else { break }
            last = lowest - 1
            gapSince = nil
        }
        return ready
    }
}
