import NIOHTTP1
import Vapor

/// How large a request body each route accepts. The HTTP edge collects bodies before the
/// application sees them, so it must know the limit from the head: most routes take at most
/// `standard`; the few that take uploads are registered through `route(_:…)`, which records
/// their limit here and gives the same limit to Vapor (which enforces it for requests made in
/// memory, as tests make them).
struct BodyLimits: Sendable {
    static let standard = 64 * 1024

    private struct Rule: Sendable {
        var method: HTTPMethod
        /// Path segments; one starting with `:` matches any segment.
        var pattern: [String]
        var limit: Int
    }

    private var rules: [Rule] = []

    mutating func allow(_ limit: Int, for method: HTTPMethod, path: [String]) {
        rules.append(Rule(method: method, pattern: path, limit: limit))
    }

    /// The limit for a request to `target` (path and query as sent).
    func limit(method: HTTPMethod, target: String) -> Int {
        guard !rules.isEmpty, method != .GET, method != .HEAD else { return Self.standard }
        let path = target.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
        let segments = path.split(separator: "/")
        for rule in rules where rule.method == method && rule.pattern.count == segments.count {
            if zip(rule.pattern, segments).allSatisfy({ $0.hasPrefix(":") || $0 == $1 }) { return rule.limit }
        }
        return Self.standard
    }
}

extension Application {
    /// A route whose requests may carry up to `limit` bytes of body; `path` is the whole path.
    @discardableResult
    func route<Answer: AsyncResponseEncodable>(
        _ method: HTTPMethod, _ path: [String], bodyLimit limit: Int,
        use handler: @escaping @Sendable (Request) async throws -> Answer
    ) -> Route {
        bodyLimits.allow(limit, for: method, path: path)
        return on(method, path.map { PathComponent(stringLiteral: $0) }, body: .collect(maxSize: ByteCount(value: limit)), use: handler)
    }

    private struct BodyLimitsKey: StorageKey { typealias Value = BodyLimits }

    var bodyLimits: BodyLimits {
        get { storage[BodyLimitsKey.self] ?? BodyLimits() }
        set { storage[BodyLimitsKey.self] = newValue }
    }
}

/// A request whose body was over its route's limit reaches the application without it, marked,
/// and is answered 413 (in the contract's JSON under `/api`, as a page elsewhere).
struct BodyLimitMiddleware: Middleware {
    func respond(to request: Request, chainingTo next: any Responder) -> EventLoopFuture<Response> {
        guard request.storage[TooLarge.self] == nil else {
            return request.eventLoop.makeFailedFuture(APIError(status: .payloadTooLarge, code: "too_large",
                                                               message: "The request body is too large."))
        }
        return next.respond(to: request)
    }

    struct TooLarge: StorageKey { typealias Value = Bool }
}
