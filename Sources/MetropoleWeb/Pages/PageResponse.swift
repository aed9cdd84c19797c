import NIOHTTP1
import Plot
import Vapor

/// How every HTML page is answered, whoever sends it: a handler returning a Plot document, the
/// guest page cache, or the HTTP edge answering a cached page from the head alone.
enum PageResponse {
    /// Pages are personal or short-lived: no shared or browser cache keeps them.
    static let headers: HTTPHeaders = [
        "content-type": "text/html; charset=utf-8",
        "cache-control": "no-store",
    ]

    static func response(_ body: ByteBuffer, status: HTTPResponseStatus = .ok) -> Response {
        Response(status: status, headers: headers, body: .init(buffer: body))
    }
}

/// Handlers return Plot documents directly.
extension HTML: @retroactive AsyncResponseEncodable {
    public func encodeResponse(for request: Request) async throws -> Response {
        PageResponse.response(ByteBuffer(string: render()))
    }
}
