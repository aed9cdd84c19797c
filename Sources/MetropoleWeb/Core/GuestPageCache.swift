import Foundation
import NIOConcurrencyHelpers
import Plot
import Vapor

/// Pages as guests see them, rendered once and served to every guest for a moment. Guests are
/// most of a streaming site's traffic and all see the same page: it carries no CSRF token (its
/// only forms, the layout toggles, need none), so one rendering is one shared buffer, sent to
/// each guest without a copy. Signed-in visitors always get a fresh rendering (their sidebar and
/// buttons are their own). Invalidated with the listings.
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
        /// The one rendering under way. Guests with nothing to be served wait for it; guests with
        /// an outdated page get that meanwhile. A cold or expired page under load costs one
        /// rendering, not one per waiting request.
        var rendering: EventLoopFuture<Entry>?
        /// The front door asked the application to render this page again.
        var revalidating = false
    }

    private enum Plan {
        case serve(Entry)
        case wait(EventLoopFuture<Entry>)
        case render(EventLoopPromise<Entry>)
    }

    private let slots = NIOLockedValueBox([String: Slot]())
    private let listings: ListingCache

    init(listings: ListingCache) {
        self.listings = listings
    }

    /// A fresh cached page for a guest's GET, or nil: `GuestPageResponder` answers most guest
    /// page views with it, before the route lookup and the middleware chain.
    func freshResponse(for request: Request) -> Response? {
        guard request.method == .GET else { return nil }
        let cookies = request.cookies
        guard Self.isGuest(request, cookies: cookies) else { return nil }
        let key = Self.key(request, cookies: cookies), now = Date(), version = listings.version
        let entry = slots.withLockedValue { slots in slots[key]?.entry }
        guard let entry, entry.isFresh(version: version, now: now) else { return nil }
        return Self.response(entry)
    }

    /// How long past its lifetime the front door may still send a page while it is rendered again.
    static let staleGrace: TimeInterval = 10

    /// The page the front door sends for a guest's GET of `target` (as sent) in `layout`, or nil
    /// when the application must answer. An outdated page is sent while one revalidation, which
    /// the caller starts when `revalidate` is true, renders it again; it is what the application
    /// itself does for guests while a rendering is under way.
    func frontDoorPage(target: String, layout: String) -> (body: ByteBuffer, revalidate: Bool)? {
        let key = Self.key(target: target, layout: layout), now = Date(), version = listings.version
        return slots.withLockedValue { slots in
            guard var slot = slots[key], let entry = slot.entry else { return nil }
            if entry.isFresh(version: version, now: now) { return (entry.body, false) }
            guard now.timeIntervalSince(entry.storedAt) < Self.lifetime + Self.staleGrace else { return nil }
            if slot.rendering != nil || slot.revalidating { return (entry.body, false) }
            slot.revalidating = true
            slots[key] = slot
            return (entry.body, true)
        }
    }

    /// The end of a revalidation. A page that failed to render (its channel is gone, the
    /// database is down) is not sent again: the application answers it from now on.
    func revalidated(target: String, layout: String, succeeded: Bool) {
        let key = Self.key(target: target, layout: layout)
        slots.withLockedValue { slots in
            guard var slot = slots[key] else { return }
            slot.revalidating = false
            if !succeeded { slot.entry = nil }
            slots[key] = slot
        }
    }

    /// Serves `render` from the cache for guests; renders fresh for signed-in visitors.
    func respond(to request: Request, searchTerm: String? = nil,
                 render: (PageContext) async throws -> HTML) async throws -> Response {
        guard request.currentUser == nil else {
            return try await render(PageContext.load(request, searchTerm: searchTerm)).encodeResponse(for: request)
        }
        let key = Self.key(request, cookies: request.cookies), now = Date(), version = listings.version
        let plan: Plan = slots.withLockedValue { slots in
            var slot = slots[key] ?? Slot()
            defer { slots[key] = slot }
            if let entry = slot.entry, entry.isFresh(version: version, now: now) { return .serve(entry) }
            if let rendering = slot.rendering { return slot.entry.map(Plan.serve) ?? .wait(rendering) }
            let promise = request.eventLoop.makePromise(of: Entry.self)
            slot.rendering = promise.futureResult
            return .render(promise)
        }
        switch plan {
        case .serve(let entry):
            return Self.response(entry)
        case .wait(let rendering):
            return Self.response(try await rendering.get())
        case .render(let promise):
            do {
                let context = try await PageContext.load(request, searchTerm: searchTerm, csrfToken: "")
                let entry = Entry(body: ByteBuffer(string: try await render(context).render()), version: version, storedAt: now)
                slots.withLockedValue { slots in
                    if slots.count > 2_000 { slots.removeAll(keepingCapacity: true) }
                    slots[key] = Slot(entry: entry, rendering: nil)
                }
                promise.succeed(entry)
                return Self.response(entry)
            } catch {
                slots.withLockedValue { $0[key]?.rendering = nil }
                promise.fail(error)
                throw error
            }
        }
    }

    /// No session cookie and no bearer token. A request with an expired cookie is a guest too,
    /// but takes the slow path: finding that out needs the database.
    private static func isGuest(_ request: Request, cookies: HTTPCookies) -> Bool {
        request.headers.bearerAuthorization == nil && cookies[Sessions.cookieName] == nil
    }

    /// Path and query as sent, and the layout. `url.string` would be the same key at three times
    /// the cost (it rebuilds the URL and rescans it), paid on every page view.
    private static func key(_ request: Request, cookies: HTTPCookies) -> String {
        let layout = cookies[LayoutPreferences.cookieName] == nil ? "" : LayoutPreferences(cookies: cookies).cookieValue
        let target = request.url.query.map { request.url.path + "?" + $0 } ?? request.url.path
        return key(target: target, layout: layout)
    }

    private static func key(target: String, layout: String) -> String { target + "|" + layout }

    /// The headers of a cached page, whoever sends it: Vapor (`response`) or the front door.
    static let pageHeaders = [("content-type", "text/html; charset=utf-8"), ("cache-control", "no-store")]

    private static let headers = HTTPHeaders(pageHeaders)

    private static func response(_ entry: Entry) -> Response {
        Response(status: .ok, headers: headers, body: .init(buffer: entry.body))
    }
}

/// The application's responder: a guest's page view with a fresh rendering in `GuestPageCache`
/// is answered at once; everything else goes to Vapor's responder (route lookup, then the
/// middleware chain). Answering before the route lookup matters: finding `/{username}` in the
/// router splits and percent-decodes the path, a tenth of a cached page view's cost (0013).
struct GuestPageResponder: Responder {
    let pages: GuestPageCache
    let door: FrontDoor
    let next: any Responder

    func respond(to request: Request) -> EventLoopFuture<Response> {
        door.returnLoan(of: request, answer(request))
    }

    private func answer(_ request: Request) -> EventLoopFuture<Response> {
        guard let cached = pages.freshResponse(for: request) else { return next.respond(to: request) }
        // What the middleware chain would have added: the log line and the request id.
        request.logger.info("\(request.method) \(request.url.path)")
        cached.headers.replaceOrAdd(name: RequestIDMiddleware.header, value: request.id)
        return request.eventLoop.makeSucceededFuture(cached)
    }
}

extension Application {
    private struct GuestPageCacheKey: StorageKey { typealias Value = GuestPageCache }

    var guestPages: GuestPageCache {
        get { storage[GuestPageCacheKey.self]! }
        set { storage[GuestPageCacheKey.self] = newValue }
    }
}
