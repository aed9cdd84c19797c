import Foundation
import NIOConcurrencyHelpers
import Plot
import Vapor

/// Pages as guests see them, rendered once and served to every guest for a moment. Guests are
/// most of a streaming site's traffic and all see the same page, except for their CSRF token,
/// which is rendered as a placeholder and swapped in per request. Signed-in visitors always get
/// a fresh rendering (their sidebar and buttons are their own). Invalidated with the listings.
final class GuestPageCache: Sendable {
    static let lifetime: TimeInterval = 2
    /// Same length and alphabet as a real token, so nothing else in a page can look like it.
    static let tokenPlaceholder = "CSRF_TOKEN_PLACEHOLDER_0000000000000000000"

    private struct Entry {
        /// The page split at each token placeholder, so a response is assembled by copying
        /// bytes, not by searching and rebuilding a string.
        var pieces: [ByteBuffer]
        var byteCount: Int
        var version: Int
        var storedAt: Date

        init(html: String, version: Int, storedAt: Date) {
            pieces = html.components(separatedBy: GuestPageCache.tokenPlaceholder).map { ByteBuffer(string: $0) }
            byteCount = pieces.reduce(0) { $0 + $1.readableBytes }
            self.version = version
            self.storedAt = storedAt
        }

        func body(token: String) -> ByteBuffer {
            var body = ByteBuffer()
            body.reserveCapacity(byteCount + token.utf8.count * (pieces.count - 1))
            for (index, piece) in pieces.enumerated() {
                if index > 0 { body.writeString(token) }
                body.writeImmutableBuffer(piece)
            }
            return body
        }
    }

    private struct Slot {
        var entry: Entry?
        /// One request re-renders an outdated page while the others keep serving it, so an
        /// expiry under load costs one rendering, not one per waiting request.
        var isRefreshing = false
    }

    private let slots = NIOLockedValueBox([String: Slot]())
    private let listings: ListingCache

    init(listings: ListingCache) {
        self.listings = listings
    }

    /// Serves `render` from the cache for guests; renders fresh for signed-in visitors.
    func respond(to request: Request, searchTerm: String? = nil,
                 render: (PageContext) async throws -> HTML) async throws -> Response {
        guard request.currentUser == nil else {
            return try await render(PageContext.load(request, searchTerm: searchTerm)).encodeResponse(for: request)
        }
        let key = (request.url.string) + "|" + LayoutPreferences(request: request).cookieValue
        let now = Date(), version = listings.version
        let served: Entry? = slots.withLockedValue { slots in
            var slot = slots[key] ?? Slot()
            defer { slots[key] = slot }
            guard let entry = slot.entry else { return nil }
            if entry.version == version && now.timeIntervalSince(entry.storedAt) < Self.lifetime { return entry }
            if slot.isRefreshing { return entry }
            slot.isRefreshing = true
            return nil
        }
        let entry: Entry
        if let served {
            entry = served
        } else {
            do {
                var context = try await PageContext.load(request, searchTerm: searchTerm)
                context.csrfToken = Self.tokenPlaceholder
                entry = Entry(html: try await render(context).render(), version: version, storedAt: now)
            } catch {
                slots.withLockedValue { $0[key]?.isRefreshing = false }
                throw error
            }
            slots.withLockedValue { slots in
                if slots.count > 2_000 { slots.removeAll(keepingCapacity: true) }
                slots[key] = Slot(entry: entry, isRefreshing: false)
            }
        }
        var headers = HTTPHeaders()
        headers.contentType = .html
        headers.replaceOrAdd(name: .cacheControl, value: "no-store")
        return Response(status: .ok, headers: headers, body: .init(buffer: entry.body(token: request.csrfToken)))
    }
}

extension Application {
    private struct GuestPageCacheKey: StorageKey { typealias Value = GuestPageCache }

    var guestPages: GuestPageCache {
        get { storage[GuestPageCacheKey.self]! }
        set { storage[GuestPageCacheKey.self] = newValue }
    }
}
