import NIOCore
import Testing
@testable import MetropoleWeb

/// The front door's reading of a request head: it may answer only what it reads exactly as
/// Vapor's parser would, so everything unusual must come out nil.
@Suite struct GuestRequestHeadTests {
    func parse(_ raw: String) -> GuestRequestHead? {
        let buffer = ByteBuffer(string: raw)
        return buffer.withUnsafeReadableBytes { GuestRequestHead(parsing: $0) }
    }

    @Test func plainGuestGetsAreRead() throws {
        let wrk = try #require(parse("GET / HTTP/1.1\r\nHost: 127.0.0.1:8080\r\n\r\n"))
        #expect(wrk == GuestRequestHead(length: 40, target: "/", layout: ""))
        let browser = """
            GET /search?term=jazz%20night HTTP/1.1\r\nHost: example.com\r\nUser-Agent: Mozilla/5.0 (X11)\r\n\
            Accept: text/html,*/*;q=0.8\r\nCookie: theme=dark; metropole_layout=theatre.nochat\r\n\
            Connection: keep-alive\r\nAccept-Encoding:\tgzip \r\n\r\n
            """
        let read = try #require(parse(browser + "GET /next HTTP/1.1\r\n\r\n"))
        #expect(read.target == "/search?term=jazz%20night" && read.layout == "theatre.nochat")
        #expect(read.length == browser.utf8.count, "only the first head is consumed")
    }

    @Test(arguments: [
        "HEAD / HTTP/1.1\r\n\r\n",
        "GET / HTTP/1.1\r\nAuthorization: Bearer abc\r\n\r\n",
        "GET / HTTP/1.1\r\nConnection: close\r\n\r\n",
        "GET / HTTP/1.1\r\nCookie: metropole_session=abc\r\n\r\n",
        "GET / HTTP/1.1\r\nCookie: a=b; metropole_session=\r\n\r\n",
        "GET / HTTP/1.1\r\nCookie: metropole_layout=theatre; metropole_layout=nochat\r\n\r\n",
        "GET / HTTP/1.1\r\nCookie: metropole_layout=\"theatre\"\r\n\r\n",
        "GET / HTTP/1.1\r\nCookie: novalue\r\n\r\n",
        "POST / HTTP/1.1\r\nContent-Length: 0\r\n\r\n",
        "GET / HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello",
        "GET /api/v1/streams/kate/chat HTTP/1.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n",
        "GET /live/kate/ws HTTP/1.1\r\nConnection: keep-alive, Upgrade\r\nUpgrade: websocket\r\n\r\n",
        "PATCH /api/v1/me/stream HTTP/1.1\r\nContent-Type: application/json\r\nContent-Length: 11\r\n\r\n{\"title\":1}",
    ])
    func requestsTheDoorCannotAnswerAreLentToVapor(raw: String) throws {
        let head = try #require(parse(raw))
        #expect(!head.isGuestGet && head.layout.isEmpty && head.length + head.bodyLength == raw.utf8.count)
    }

    @Test(arguments: [
        "GET / HTTP/1.0\r\n\r\n",
        "GET http://example.com/ HTTP/1.1\r\n\r\n",
        "GET  / HTTP/1.1\r\n\r\n",
        "GET /a b HTTP/1.1\r\n\r\n",
        "GET /caf\u{E9} HTTP/1.1\r\n\r\n",
        "GET / HTTP/1.1\r\ntransfer-ENCODING: chunked\r\n\r\n0\r\n\r\n",
        "POST / HTTP/1.1\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n",
        "POST / HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\nhello",
        "POST / HTTP/1.1\r\nContent-Length: 5, 5\r\n\r\nhello",
        "POST / HTTP/1.1\r\nContent-Length: +5\r\n\r\nhello",
        "POST / HTTP/1.1\r\nContent-Length:\r\n\r\n",
        "BREW / HTTP/1.1\r\n\r\n",
        "GET / HTTP/1.1\r\nExpect: 100-continue\r\n\r\n",
        "GET / HTTP/1.1\r\nConnection: keep-alive, HTTP2-Settings\r\n\r\n",
        "GET / HTTP/1.1\r\nConnection: keep alive\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: a\r\n folded: continuation\r\n\r\n",
        "GET / HTTP/1.1\r\nHost : a\r\n\r\n",
        "GET / HTTP/1.1\r\nno colon\r\n\r\n",
        "GET / HTTP/1.1\r\nX: a\nContent-Length: 5\r\n\r\nhello",
        "GET / HTTP/1.1\r\nX: a\u{0}b\r\n\r\n",
        "GET / HTTP/1.1\r\nX: caf\u{E9}\r\n\r\n",
        "\r\nGET / HTTP/1.1\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: a\r\n",
        "GET / HTTP/1.1\n\n",
        "",
    ])
    func anythingElseIsLeftToVapor(raw: String) {
        #expect(parse(raw) == nil)
    }

    @Test func aHeadLongerThanTheLimitIsLeftToVapor() {
        let padding = String(repeating: "a", count: GuestRequestHead.maximumLength)
        #expect(parse("GET / HTTP/1.1\r\nX-Pad: \(padding)\r\n\r\n") == nil)
    }

    @Test func arbitraryBytesNeverTrap() {
        var generator = SystemRandomNumberGenerator()
        let alphabet = Array("GET /?=; :\r\nHTTP/1.1metropole_layoutCookie".utf8) + [0, 0x7F, 0xFF, 0x09]
        for _ in 0..<5_000 {
            let bytes = (0..<Int.random(in: 0..<80, using: &generator)).map { _ in alphabet.randomElement(using: &generator)! }
            let buffer = ByteBuffer(bytes: Array("GET / HTTP/1.1\r\n".utf8) + bytes)
            if let head = buffer.withUnsafeReadableBytes({ GuestRequestHead(parsing: $0) }) {
                #expect(head.length <= buffer.readableBytes && head.target == "/")
            }
        }
    }
}
