import Fluent
import Foundation
import Logging
import NIOConcurrencyHelpers

/// Persists chat messages in batches: posting never waits for the database, and one INSERT
/// carries every message of the last quarter second. Messages stay in `pending` until their
/// INSERT succeeds, so history read meanwhile still sees them and a failed write is retried.
final class ChatArchive: Sendable {
    static let flushInterval: Duration = .milliseconds(250)
    /// Rows per INSERT, well under SQLite's bound-variable limit (7 columns each).
    static let batchSize = 500

    private let pending = NIOLockedValueBox([ChatRecord]())
    /// Serializes flushes: the periodic writer and the final one at shutdown never overlap.
    private let flushing = NIOLockedValueBox(false)
    private let database: @Sendable () -> any Database
    private let logger: Logger

    init(database: @escaping @Sendable () -> any Database, logger: Logger) {
        self.database = database
        self.logger = logger
    }

    func append(_ record: ChatRecord) {
        pending.withLockedValue { $0.append(record) }
    }

    var pendingCount: Int { pending.withLockedValue { $0.count } }

    /// Writes everything pending; on failure keeps it for the next attempt.
    func flush() async {
        guard flushing.withLockedValue({ busy in defer { busy = true }; return !busy }) else { return }
        defer { flushing.withLockedValue { $0 = false } }
        while true {
            let batch = pending.withLockedValue { Array($0.prefix(Self.batchSize)) }
            guard !batch.isEmpty else { return }
            do {
                try await batch.map(ChatMessage.init).create(on: database())
                // Only this task removes, and appends go to the end, so the prefix is the batch.
                pending.withLockedValue { $0.removeFirst(min(batch.count, $0.count)) }
            } catch {
                logger.error("chat: could not save \(batch.count) messages, will retry: \(error)")
                return
            }
        }
    }

    /// The newest `limit` messages of a channel, oldest first, including unsaved ones.
    func history(forChannelOf ownerID: UUID, limit: Int) async throws -> [ChatRecord] {
        let saved = try await ChatMessage.query(on: database())
            .filter(\.$channelOwner.$id == ownerID)
            .sort(\.$sentAt, .descending)
            .limit(limit)
            .all()
            .reversed()
            .compactMap(\.record)
        let savedIDs = Set(saved.map(\.id))
        let unsaved = pending.withLockedValue { $0.filter { $0.channelOwnerID == ownerID && !savedIDs.contains($0.id) } }
        return Array((saved + unsaved).sorted { $0.sentAt < $1.sentAt }.suffix(limit))
    }
}
