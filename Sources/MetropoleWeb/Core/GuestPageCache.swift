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
        var html: String
        var status: HTTPResponseStatus
        var version: Int
        var storedAt: Date
    }

    private let entries = NIOLockedValueBox([String: Entry]())
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
        let cached = entries.withLockedValue { entries in
            entries[key].flatMap { $0.version == version && now.timeIntervalSince($0.storedAt) < Self.lifetime ? $0 : nil }
        }
        let html: String
        if let cached {
            html = cached.html
        } else {
            var context = try await PageContext.load(request, searchTerm: searchTerm)
            context.csrfToken = Self.tokenPlaceholder
            html = try await render(context).render()
            entries.withLockedValue { entries in
                if entries.count > 2_000 { entries.removeAll(keepingCapacity: true) }
                entries[key] = Entry(html: html, status: .ok, version: version, storedAt: now)
            }
        }
        var headers = HTTPHeaders()
        headers.contentType = .html
        headers.replaceOrAdd(name: .cacheControl, value: "no-store")
        return Response(status: .ok, headers: headers,
                        body: .init(string: html.replacingOccurrences(of: Self.tokenPlaceholder, with: request.csrfToken)))
    }
}

extension Application {
    private struct GuestPageCacheKey: StorageKey { typealias Value = GuestPageCache }

    var guestPages: GuestPageCache {
        get { storage[GuestPageCacheKey.self]! }
        set { storage[GuestPageCacheKey.self] = newValue }
    }
}
