import Vapor

/// Serves `Public/` and sets cache headers: fingerprinted URLs (`?v=`) are immutable for a
/// year; unversioned ones revalidate after five minutes.
///
/// Only paths the `AssetCatalog` found at start-up reach the file system. Every other request
/// (pages, API, sockets) passes straight on: asking the file system about each of them cost a
/// thread-pool round trip per page view. A file added to `Public/` is served after a restart.
struct StaticFiles: Middleware {
    let files: FileMiddleware
    let assets: AssetCatalog

    init(assets: AssetCatalog) {
        self.assets = assets
        files = FileMiddleware(publicDirectory: assets.directory, advancedETagComparison: true)
    }

    /// The request's path, percent-decoded only when it has escapes (most never do, and
    /// decoding goes through Foundation).
    static func path(of request: Request) -> String {
        let path = request.url.path
        return path.contains("%") ? path.removingPercentEncoding ?? path : path
    }

    func respond(to request: Request, chainingTo next: any Responder) -> EventLoopFuture<Response> {
        guard request.method == .GET || request.method == .HEAD, assets.contains(Self.path(of: request)) else {
            return next.respond(to: request)
        }
        return files.respond(to: request, chainingTo: next).map { response in
            if response.headers.first(name: .cacheControl) == nil, response.status == .ok || response.status == .notModified,
               response.headers.first(name: .eTag) != nil {
                let versioned = request.url.query?.contains("v=") ?? false
                response.headers.replaceOrAdd(name: .cacheControl, value: versioned ? "public, max-age=31536000, immutable" : "public, max-age=300")
            }
            return response
        }
    }
}
