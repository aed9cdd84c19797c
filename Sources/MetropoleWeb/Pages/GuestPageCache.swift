import Foundation
import NIOConcurrencyHelpers
import Plot
import Vapor

/// Pages as guests see them, rendered once and sent to every guest for a moment. Guests are
/// most of a streaming site's traffic and all see the same page: it carries no CSRF token (its
/// only forms, the layout toggles, need none), so one rendering is one shared buffer, sent to
/// each guest without a copy. Signed-in visitors always get a fresh rendering (their sidebar and
/// buttons are their own).
///
/// One freshness rule for every path: a page is served only while the listings are at the
/// version it was rendered from and for at most `lifetime`. The HTTP edge answers fresh pages
/// from the request head (decision 0014); everything else comes here through the page
/// controllers, where a page that is not fresh is rendered once while concurrent guests wait
/// for that rendering.
final class GuestPageCache: Sendable {
    static let lifetime: TimeInterval = 2

    private struct Entry: Sendable {
        var body: ByteBuffer
        var version: Int
        var storedAt: Date

        func isFresh(version: Int, now: Date) -> Bool {
            self.version == version && now.timeIntervalSince(storedAt) < GuestPageCache.lifetime
        }
    }

    private struct Slot {
        var entry: Entry?
        /// The one rendering under way: a cold or outdated page under load costs one rendering,
        /// not one per waiting request.
        var rendering: EventLoopFuture<Entry>?
    }

    private enum Plan {
        case serve(Entry)
        case wait(EventLoopFuture<Entry>)
        case render(EventLoopPromise<Entry>)
    }

    private struct State {
        var slots: [String: Slot] = [:]
        var answeredAtEdge = 0
    }

    private let state = NIOLockedValueBox(State())
    private let listings: ListingCache

    init(listings: ListingCache) {
        self.listings = listings
    }

    /// The fresh page for a guest's visit, or nil when the application must answer.
    func freshPage(for visit: GuestVisit) -> ByteBuffer? {
        let version = listings.version, now = Date()
        return state.withLockedValue { state in
            guard let entry = state.slots[visit.key]?.entry, entry.isFresh(version: version, now: now) else { return nil }
            state.answeredAtEdge += 1
            return entry.body
        }
    }

    /// Pages the HTTP edge answered from the cache (for tests and operators).
    var pagesAnsweredAtEdge: Int { state.withLockedValue { $0.answeredAtEdge } }

    /// Serves `render` from the cache for guests; renders fresh for signed-in visitors.
    func respond(to request: Request, searchTerm: String? = nil,
                 render: (PageContext) async throws -> HTML) async throws -> Response {
        guard request.currentUser == nil, let visit = GuestVisit(request) else {
            return try await render(PageContext.load(request, searchTerm: searchTerm)).encodeResponse(for: request)
        }
        let version = listings.version, now = Date()
        let plan: Plan = state.withLockedValue { state in
            var slot = state.slots[visit.key] ?? Slot()
            defer { state.slots[visit.key] = slot }
            if let entry = slot.entry, entry.isFresh(version: version, now: now) { return .serve(entry) }
            if let rendering = slot.rendering { return .wait(rendering) }
            let promise = request.eventLoop.makePromise(of: Entry.self)
            slot.rendering = promise.futureResult
            return .render(promise)
        }
        switch plan {
        case .serve(let entry):
            return PageResponse.response(entry.body)
        case .wait(let rendering):
            return PageResponse.response(try await rendering.get().body)
        case .render(let promise):
            do {
                let context = try await PageContext.load(request, searchTerm: searchTerm, csrfToken: "")
                let entry = Entry(body: ByteBuffer(string: try await render(context).render()), version: version, storedAt: now)
                state.withLockedValue { state in
                    if state.slots.count > 2_000 { state.slots.removeAll(keepingCapacity: true) }
                    state.slots[visit.key] = Slot(entry: entry, rendering: nil)
                }
                promise.succeed(entry)
                return PageResponse.response(entry.body)
            } catch {
                state.withLockedValue { $0.slots[visit.key]?.rendering = nil }
                promise.fail(error)
                throw error
            }
        }
    }
}

extension Application {
    private struct GuestPageCacheKey: StorageKey { typealias Value = GuestPageCache }

    var guestPages: GuestPageCache {
        get { storage[GuestPageCacheKey.self]! }
        set { storage[GuestPageCacheKey.self] = newValue }
    }
}
