import Vapor

/// Serves `Public/` and sets cache headers: fingerprinted URLs (`?v=`) are immutable for a
/// year; unversioned ones revalidate after five minutes.
struct StaticFiles: AsyncMiddleware {
    let files: FileMiddleware

    init(directory: String) {
        files = FileMiddleware(publicDirectory: directory, advancedETagComparison: true)
    }

    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        guard request.method == .GET || request.method == .HEAD else { return try await next.respond(to: request) }
        let response = try await files.respond(to: request, chainingTo: next)
        guard response.headers.first(name: .cacheControl) == nil, response.status == .ok || response.status == .notModified,
              response.headers.first(name: .eTag) != nil
        else { return response }
        let versioned = request.url.query?.contains("v=") ?? false
        response.headers.replaceOrAdd(name: .cacheControl, value: versioned ? "public, max-age=31536000, immutable" : "public, max-age=300")
        return response
    }
}
