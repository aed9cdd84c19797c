import Fluent
import Foundation
import NIOConcurrencyHelpers
import Vapor

/// Keeps the results of `ChannelDirectory` queries for guests for a moment, so home, search and
/// every sidebar do not repeat the same grouped query on each request. Writes that change a
/// listing (live flips, follows, blocks, titles, pictures, sign-ups) call `invalidate()`; the
/// short lifetime bounds staleness for anything else (follower counts from other nodes).
final class ListingCache: Sendable {
    static let lifetime: TimeInterval = 2

    private struct Key: Hashable {
        var term: String?
        var liveOnly: Bool
        var excluding: [UUID]
        var only: [UUID]?
        var limit: Int
    }

    private struct Entry {
        var rows: [ChannelRow]
        var version: Int
        var storedAt: Date
    }

    private struct State {
        var version = 0
        var entries: [Key: Entry] = [:]
    }

    private let state = NIOLockedValueBox(State())

    /// Bumped by every `invalidate()`; caches built on listings compare it.
    var version: Int { state.withLockedValue { $0.version } }

    func invalidate() {
        state.withLockedValue { state in
            state.version += 1
            state.entries.removeAll(keepingCapacity: true)
        }
    }

    /// The listing as `viewer` may see it. A viewer blocked by some owners gets a fresh query
    /// (their view differs from everyone else's); everyone else shares the cached one.
    func channels(for viewer: UUID?, filter: ChannelDirectory.Filter, on database: any Database) async throws -> [ChannelRow] {
        if let viewer, try await SocialGraph.isBlockedByAnyone(viewer, on: database) {
            return try await ChannelDirectory.channels(for: viewer, filter: filter, on: database)
        }
        let key = Key(term: filter.term?.lowercased(), liveOnly: filter.liveOnly, excluding: filter.excluding.sorted { $0.uuidString < $1.uuidString },
                      only: filter.only?.sorted { $0.uuidString < $1.uuidString }, limit: filter.limit)
        let now = Date()
        let (cached, version) = state.withLockedValue { state -> (Entry?, Int) in
            (state.entries[key].flatMap { now.timeIntervalSince($0.storedAt) < Self.lifetime ? $0 : nil }, state.version)
        }
        if let cached { return cached.rows }
        let rows = try await ChannelDirectory.channels(for: nil, filter: filter, on: database)
        state.withLockedValue { state in
            // A write that happened while querying makes these rows suspect: don't keep them.
            guard state.version == version else { return }
            if state.entries.count > 1_000 { state.entries.removeAll(keepingCapacity: true) }
            state.entries[key] = Entry(rows: rows, version: version, storedAt: now)
        }
        return rows
    }
}

extension Application {
    private struct ListingCacheKey: StorageKey { typealias Value = ListingCache }

    var listings: ListingCache {
        get { storage[ListingCacheKey.self]! }
        set { storage[ListingCacheKey.self] = newValue }
    }
}
