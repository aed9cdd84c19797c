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
        return files.respond(to: request, chainingTo: next).flatMap { response in
            if response.headers.first(name: .cacheControl) == nil, response.status == .ok || response.status == .notModified,
               response.headers.first(name: .eTag) != nil {
                let versioned = request.url.query?.contains("v=") ?? false
                response.headers.replaceOrAdd(name: .cacheControl, value: versioned ? "public, max-age=31536000, immutable" : "public, max-age=300")
            }
            return response.collectStreamedBody(on: request.eventLoop).map { response }
        }
    }
}

extension Response {
    /// Replaces a streamed file body with the file's bytes. Vapor's HTTP/1 server mishandles a
    /// pipelined request that arrives while a streamed answer is being written (its request
    /// decoder traps: "Unexpected state: skipping"); answers held in memory are written at once,
    /// and the front door passes pipelined requests on one at a time (0014). Our files are small:
    /// assets, and images of at most 4 MiB.
    func collectStreamedBody(on eventLoop: any EventLoop) -> EventLoopFuture<Void> {
        guard body.buffer == nil, body.count != 0 else { return eventLoop.makeSucceededVoidFuture() }
        return body.collect(on: eventLoop).map { buffer in
            self.body = .init(buffer: buffer ?? ByteBuffer())
        }
    }

    func collectStreamedBody(on eventLoop: any EventLoop) async throws {
        try await collectStreamedBody(on: eventLoop).get()
    }
}
