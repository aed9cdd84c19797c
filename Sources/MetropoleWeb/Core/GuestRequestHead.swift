/// The head of a complete HTTP/1.1 request, as the guest-page front door reads it. A bodiless
/// GET from a visitor with no session (`isGuestGet`) it may answer itself; the others, framed
/// by `Content-Length` or bodiless (WebSocket upgrades included), it lends to Vapor one at a
/// time. Anything else (chunked bodies, `Expect`, a header this strict reading does not accept,
/// a head split over two reads) is nil, and the door hands the connection to Vapor untouched.
///
/// Being stricter than the HTTP parser behind it is the point: the front door consumes exactly
/// the bytes of the heads it answers, so it must never read a request's framing differently.
/// A request without `Content-Length` or `Transfer-Encoding` has no body (RFC 9112 §6.3).
struct GuestRequestHead: Equatable, Sendable {
    /// Bytes of the head, the blank line included.
    var length: Int
    /// The request target as sent: path and query.
    var target: String
    /// The layout cookie's value, "" when there is none.
    var layout: String
    /// False when the request is one the door cannot answer (another method, a body, a session
    /// or credentials, `Connection: close`): it may still be lent to Vapor on its own.
    var isGuestGet = true
    /// Bytes of body after the head (`Content-Length`).
    var bodyLength = 0

    static let maximumLength = 8 * 1024
    static let sessionCookie = Array(Sessions.cookieName.utf8)
    static let layoutCookie = Array(LayoutPreferences.cookieName.utf8)

    init(length: Int, target: String, layout: String, isGuestGet: Bool = true) {
        self.length = length
        self.target = target
        self.layout = layout
        self.isGuestGet = isGuestGet
    }

    /// nil unless `bytes` starts with a whole head the front door may answer.
    init?(parsing bytes: UnsafeRawBufferPointer) {
        guard let end = Self.endOfHead(bytes) else { return nil }
        var lines = HeadLines(bytes: bytes, end: end)
        guard let requestLine = lines.next(), let (target, isGet) = Self.requestTarget(bytes, requestLine) else { return nil }
        var layout: String?, isGuestGet = isGet, bodyLength: Int?
        while let line = lines.next() {
            guard let (name, value) = Self.header(bytes, line) else { return nil }
            switch Self.lowercased(bytes, name) {
            case "cookie":
                if !Self.readCookies(bytes, value, layout: &layout) { isGuestGet = false }
            case "connection":
                // `keep-alive`, `close`, `upgrade`, as a list: Firefox sends "keep-alive, Upgrade".
                for option in Self.lowercased(bytes, value).split(separator: ",").map({ $0.filter { $0 != " " && $0 != "\t" } }) {
                    switch option {
                    case "keep-alive": continue
                    case "close", "upgrade": isGuestGet = false
                    default: return nil
                    }
                }
            case "authorization", "upgrade", "sec-websocket-key":
                // A WebSocket upgrade is lent too: Vapor switches the connection, and the door
                // leaves once Vapor's 101 is written.
                isGuestGet = false
            case "content-length":
                // Digits only, once: anything else is a framing Vapor's parser must judge.
                guard bodyLength == nil, !value.isEmpty, value.count <= 12,
                      bytes[value].allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) else { return nil }
                bodyLength = Int(String(decoding: bytes[value], as: UTF8.self))
                isGuestGet = isGuestGet && bodyLength == 0
            case "transfer-encoding", "expect", "http2-settings":
                return nil
            default:
                continue
            }
        }
        self.length = end
        self.target = target
        self.layout = isGuestGet ? layout ?? "" : ""
        self.isGuestGet = isGuestGet
        self.bodyLength = bodyLength ?? 0
    }

    /// The offset just past the first CRLF CRLF, within the size limit.
    private static func endOfHead(_ bytes: UnsafeRawBufferPointer) -> Int? {
        let limit = min(bytes.count, maximumLength)
        guard limit >= 4 else { return nil }
        var index = 3
        while index < limit {
            if bytes[index] == lf, bytes[index - 1] == cr, bytes[index - 2] == lf, bytes[index - 3] == cr {
                return index + 1
            }
            index += 1
        }
        return nil
    }

    /// `<method> <target> HTTP/1.1` with one of the methods we serve and an origin-form target
    /// of visible ASCII; true for GET.
    private static func requestTarget(_ bytes: UnsafeRawBufferPointer, _ line: Range<Int>) -> (String, Bool)? {
        let version = Array(" HTTP/1.1".utf8)
        for (method, isGet) in methods {
            guard line.count >= method.count + version.count,
                  bytes[line.lowerBound..<line.lowerBound + method.count].elementsEqual(method),
                  bytes[line.upperBound - version.count..<line.upperBound].elementsEqual(version) else { continue }
            let target = line.lowerBound + method.count - 1..<line.upperBound - version.count
            guard bytes[target].allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else { return nil }
            return (String(decoding: bytes[target], as: UTF8.self), isGet)
        }
        return nil
    }

    /// `name: value` with a token name and a value of visible ASCII, spaces and tabs; the
    /// value's range without surrounding whitespace. Folded lines are refused.
    private static func header(_ bytes: UnsafeRawBufferPointer, _ line: Range<Int>) -> (Range<Int>, Range<Int>)? {
        guard let colon = bytes[line].firstIndex(of: UInt8(ascii: ":")), colon > line.lowerBound,
              bytes[line.lowerBound..<colon].allSatisfy(isTokenByte) else { return nil }
        var value = colon + 1..<line.upperBound
        guard bytes[value].allSatisfy({ ($0 >= 0x20 && $0 < 0x7F) || $0 == tab }) else { return nil }
        while let first = value.first, bytes[first] == space || bytes[first] == tab { value = value.dropFirst() }
        while let last = value.last, bytes[last] == space || bytes[last] == tab { value = value.dropLast() }
        return (line.lowerBound..<colon, value)
    }

    /// Reads `a=b; c=d`. False for a session cookie (the visitor may be signed in), a quoted or
    /// repeated layout cookie, or a pair without `=`: Vapor answers those.
    private static func readCookies(_ bytes: UnsafeRawBufferPointer, _ value: Range<Int>, layout: inout String?) -> Bool {
        for pair in bytes[value].split(separator: UInt8(ascii: ";"), omittingEmptySubsequences: true) {
            let trimmed = pair.drop { $0 == space }.reversed().drop { $0 == space }.reversed()
            guard let equals = trimmed.firstIndex(of: UInt8(ascii: "=")) else { return false }
            let name = trimmed[..<equals], content = trimmed[trimmed.index(after: equals)...]
            if name.elementsEqual(sessionCookie) { return false }
            if name.elementsEqual(layoutCookie) {
                guard layout == nil, !content.contains(UInt8(ascii: "\"")) else { return false }
                layout = String(decoding: content, as: UTF8.self)
            }
        }
        return true
    }

    private static func lowercased(_ bytes: UnsafeRawBufferPointer, _ range: Range<Int>) -> String {
        String(decoding: bytes[range].map { $0 >= 0x41 && $0 <= 0x5A ? $0 | 0x20 : $0 }, as: UTF8.self)
    }

    private static func isTokenByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            true
        default:
            "!#$%&'*+-.^_`|~".utf8.contains(byte)
        }
    }

    private static let methods = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"].map { (Array("\($0) /".utf8), $0 == "GET") }
    private static let cr = UInt8(ascii: "\r"), lf = UInt8(ascii: "\n")
    private static let space = UInt8(ascii: " "), tab = UInt8(ascii: "\t")
}

/// The CRLF-terminated lines of a head, the final blank line left out. A bare LF or CR inside a
/// line stays in it, so the header check refuses the line.
private struct HeadLines {
    let bytes: UnsafeRawBufferPointer
    let end: Int
    var start = 0

    init(bytes: UnsafeRawBufferPointer, end: Int) {
        self.bytes = bytes
        self.end = end
    }

    mutating func next() -> Range<Int>? {
        var index = start
        while index + 1 < end {
            if bytes[index] == UInt8(ascii: "\r"), bytes[index + 1] == UInt8(ascii: "\n") {
                let line = start..<index
                start = index + 2
                return line.isEmpty ? nil : line
            }
            index += 1
        }
        return nil
    }
}
