import NIOHTTP1
import Vapor

/// A page view the guest page cache may answer: a bodiless GET from a visitor who presents no
/// credentials. Read from the request head alone, by the HTTP edge before any `Request` exists
/// and by the page controllers after, with Vapor's own cookie parser in both places so the two
/// never disagree about who is a guest or which layout they see.
struct GuestVisit: Equatable, Sendable {
    /// The request target as sent (path and query) and the layout: the cache's key.
    var key: String

    init?(method: HTTPMethod, target: String, headers: HTTPHeaders) {
        guard method == .GET, !headers.contains(name: .upgrade) else { return nil }
        let cookies = headers.cookie
        guard SessionCredential(headers: headers, cookies: cookies) == nil else { return nil }
        let layout = cookies?[LayoutPreferences.cookieName] == nil ? "" : LayoutPreferences(cookies: cookies!).cookieValue
        key = target + "|" + layout
    }

    /// The visit of a `Request`. The HTTP edge keeps what it read from the head; a request made
    /// in memory (tests) is read again.
    init?(_ request: Request) {
        if let visit = request.storage[Key.self] {
            guard let visit else { return nil }
            self = visit
            return
        }
        let target = request.url.query.map { request.url.path + "?" + $0 } ?? request.url.path
        self.init(method: request.method, target: target, headers: request.headers)
    }

    /// Remembers what the edge read, so the application does not parse the head again.
    static func remember(_ visit: GuestVisit?, on request: Request) {
        request.storage[Key.self] = .some(visit)
    }

    private struct Key: StorageKey { typealias Value = GuestVisit? }
}
