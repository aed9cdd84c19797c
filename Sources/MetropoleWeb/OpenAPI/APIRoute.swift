import Vapor

/// One JSON API route as the OpenAPI document describes it: the method, the `SiteURL.API`
/// case that builds its path (so the description's path cannot drift from the router's), who
/// may call it, its query, body and every answer it gives. `APIDescription.routes` lists them.
struct APIRoute: Sendable {
    var method: HTTPMethod
    var route: SiteURL.API
    var summary: String
    var tag: String
    var access: Access = .open
    var query: [String: JSONSchema] = [:]
    var body: Body? = nil
    var answers: [Int: Answer]

    enum Access: Sendable {
        /// Anyone; a signed-in caller may be treated differently (blocks).
        case open
        /// A session: Bearer token or cookie. Adds 401 (and 403 for cookie writes without CSRF).
        case user
        /// A session whose user has the admin role. Adds 401 and 403.
        case admin
        /// The stream key as the Bearer token (WHIP).
        case streamKey
        /// The provider's own secret, as that media server sends it (query, header or signature).
        case provider
    }

    enum Body: Sendable {
        case json(JSONSchema, required: Bool = true)
        case media([String])
        case any
    }

    enum Answer: Sendable {
        case json(String, JSONSchema)
        case empty(String)
        case error(String)
        case text(String, mediaType: String, headers: [String] = [])
    }

    /// The path as OpenAPI writes it: `/api/v1/users/{username}`.
    var pathTemplate: String {
        "/" + SiteURL.api(route).routeComponents.map { $0.hasPrefix(":") ? "{\($0.dropFirst())}" : $0 }.joined(separator: "/")
    }

    var pathParameters: [String] {
        SiteURL.api(route).routeComponents.filter { $0.hasPrefix(":") }.map { String($0.dropFirst()) }
    }

    /// Every answer, with those the access rule and body imply.
    var allAnswers: [Int: Answer] {
        var all = answers
        func add(_ status: Int, _ text: String) { if all[status] == nil { all[status] = .error(text) } }
        switch access {
        case .user, .admin:
            add(401, "Not signed in, or the session ended (signed out, expired, suspended).")
            if access == .admin { add(403, method == .GET ? "Not an admin." : "Not an admin, or a cookie write without a valid CSRF token.") }
            if method != .GET { add(403, "A cookie-authenticated write without a valid CSRF token.") }
        case .streamKey: add(401, "No stream key, or one that is not (or no longer) valid.")
        case .provider: add(401, "The request does not carry the provider's secret.")
        case .open: break
        }
        if case .json = body {
            add(400, "The body is not JSON.")
            add(413, "The body is too large.")
            add(415, "The body is not application/json.")
            add(422, "A field is missing, mistyped or invalid.")
        }
        if !pathParameters.isEmpty { add(404, "Nothing by that name.") }
        return all
    }

    var operationID: String {
        let words = SiteURL.api(route).routeComponents.dropFirst(2).filter { !$0.hasPrefix(":") }
            .flatMap { $0.split(whereSeparator: { !$0.isLetter && !$0.isNumber }) }
        return method.rawValue.lowercased() + words.map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined()
            + (pathParameters.isEmpty ? "" : "By" + pathParameters.map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined(separator: "And"))
    }
}
