import Foundation
import NIOConcurrencyHelpers
import NIOCore
import Vapor

/// The first handler on every HTTP connection. A guest's GET of a page `GuestPageCache` holds is
/// answered from the request's bytes, before Vapor parses them into a `Request`. That path
/// (URL parsing, a request id read from `/dev/urandom`, five handlers each way) is most of what
/// a cached page view costs (decision 0014).
///
/// Everything else goes to Vapor untouched. A request the door cannot answer but can frame (an
/// asset, the API, a page not rendered yet, a signed-in visitor, a form or JSON body with a
/// `Content-Length`) is lent to Vapor: the door holds back what follows until Vapor's answer is
/// written, then opens again. So Vapor never sees pipelined requests at once, which its HTTP/1
/// server mishandles (0014). A WebSocket upgrade is lent the same way, and the door leaves once
/// Vapor has switched the connection, so chat sockets pay nothing for it. Anything else (a
/// chunked body, a streamed answer) hands the connection to Vapor for good.
final class GuestPageFrontDoor: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private enum State {
        case open
        /// Vapor is answering a lent request. `body` bytes of it have yet to arrive (they go on
        /// to Vapor); bytes after it wait in `held`; `returned` once Vapor's answer is written.
        case lent(body: Int, held: ByteBuffer?, returned: Bool)
    }

    private let pages: GuestPageCache
    private let door: FrontDoor
    private var state = State.open
    private var date = HTTPDateLine()
    private var context: ChannelHandlerContext?

    init(pages: GuestPageCache, door: FrontDoor) {
        self.pages = pages
        self.door = door
    }

    func handlerAdded(context: ChannelHandlerContext) { self.context = context }

    func handlerRemoved(context: ChannelHandlerContext) {
        if case .lent = state, let peer = context.channel.remoteAddress { door.forgetLoan(peer) }
        self.context = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var bytes = unwrapInboundIn(data)
        switch state {
        case .open:
            serve(context, &bytes)
        case .lent(var body, var held, let returned):
            if body > 0 {
                let part = bytes.readSlice(length: min(body, bytes.readableBytes))!
                body -= part.readableBytes
                context.fireChannelRead(wrapInboundOut(part))
            }
            if bytes.readableBytes > 0 { held.setOrWriteBuffer(&bytes) }
            // A client that sends far ahead of its answers is left to Vapor, which paces it.
            if let held, held.readableBytes > 2 * GuestRequestHead.maximumLength { return handOver(context, held) }
            state = .lent(body: body, held: held, returned: returned)
            if body == 0, returned { reopen(context) }
        }
    }

    /// Vapor has written its answer to the lent request (`complete`), or is streaming one.
    func loanReturned(complete: Bool) {
        guard let context, case .lent(let body, let held, _) = state else { return }
        guard complete else {
            handOver(context, held)
            return context.channel.pipeline.fireChannelReadComplete()
        }
        // An answer written before its request's body arrived (a 413, say): the rest of the
        // body still goes to Vapor first.
        state = .lent(body: body, held: held, returned: true)
        if body == 0 { reopen(context) }
    }

    private func reopen(_ context: ChannelHandlerContext) {
        guard case .lent(_, let held, _) = state else { return }
        state = .open
        guard var held else { return }
        serve(context, &held)
        // What was held arrived in earlier reads: end this delivery as a read would, or the
        // handlers behind wait for a read that already happened.
        context.channel.pipeline.fireChannelReadComplete()
    }

    private func serve(_ context: ChannelHandlerContext, _ bytes: inout ByteBuffer) {
        var answered = 0
        defer {
            if answered > 0 {
                context.flush()
                door.answered(answered)
            }
        }
        while bytes.readableBytes > 0 {
            // A client that does not read its answers is left to Vapor, which stops reading for it.
            guard context.channel.isWritable,
                  let head = bytes.withUnsafeReadableBytes({ GuestRequestHead(parsing: $0) }) else { break }
            let layout = head.layout.isEmpty ? "" : LayoutPreferences(cookieValue: head.layout).cookieValue
            guard head.isGuestGet, let page = pages.frontDoorPage(target: head.target, layout: layout) else {
                return lend(context, head, &bytes)
            }
            if page.revalidate { door.revalidate(target: head.target, layout: layout) }
            bytes.moveReaderIndex(forwardBy: head.length)
            context.write(wrapOutboundOut(responseHead(context, length: page.body.readableBytes)), promise: nil)
            context.write(wrapOutboundOut(page.body), promise: nil)
            answered += 1
        }
        if bytes.readableBytes > 0 { handOver(context, bytes) }
    }

    private func lend(_ context: ChannelHandlerContext, _ head: GuestRequestHead, _ bytes: inout ByteBuffer) {
        guard let peer = context.channel.remoteAddress else { return handOver(context, bytes) }
        let arrived = min(head.length + head.bodyLength, bytes.readableBytes)
        let request = bytes.readSlice(length: arrived)!
        state = .lent(body: head.length + head.bodyLength - arrived, held: bytes.readableBytes > 0 ? bytes : nil, returned: false)
        door.lend(peer, channel: context.channel)
        context.fireChannelRead(wrapInboundOut(request))
    }

    private func handOver(_ context: ChannelHandlerContext, _ bytes: ByteBuffer?) {
        if case .lent = state, let peer = context.channel.remoteAddress { door.forgetLoan(peer) }
        state = .open
        if let bytes, bytes.readableBytes > 0 { context.fireChannelRead(wrapInboundOut(bytes)) }
        context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
    }

    /// The status line and headers Vapor would send for the same page.
    private static let headPrefix = "HTTP/1.1 200 OK\r\n"
        + GuestPageCache.pageHeaders.map { "\($0.0): \($0.1)\r\n" }.joined() + "content-length: "

    private func responseHead(_ context: ChannelHandlerContext, length: Int) -> ByteBuffer {
        var head = context.channel.allocator.buffer(capacity: 192)
        head.writeString(Self.headPrefix)
        head.writeString(String(length))
        head.writeStaticString("\r\nconnection: keep-alive\r\nserver: Metropole\r\n")
        head.writeString(date.current())
        head.writeStaticString("\r\n")
        return head
    }
}

/// `date: <IMF-fixdate>\r\n`, formatted once a second.
struct HTTPDateLine {
    private var second = 0
    private var line = ""

    mutating func current() -> String {
        let now = time(nil)
        if now != second || line.isEmpty {
            second = now
            line = Self.format(now)
        }
        return line
    }

    static func format(_ seconds: Int) -> String {
        var clock = seconds, parts = tm()
        gmtime_r(&clock, &parts)
        let days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        func two(_ value: Int32) -> String { value < 10 ? "0\(value)" : "\(value)" }
        return "date: \(days[Int(parts.tm_wday)]), \(two(parts.tm_mday)) \(months[Int(parts.tm_mon)]) \(parts.tm_year + 1900) "
            + "\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec)) GMT\r\n"
    }
}

/// What the front doors of all connections share: requests lent to Vapor, the revalidation of
/// outdated pages, and a count of pages answered (for tests and operators).
final class FrontDoor: Sendable {
    private let loans = NIOLockedValueBox([SocketAddress: Channel]())
    private let count = NIOLockedValueBox(0)
    private let revalidation = NIOLockedValueBox<(@Sendable (String, String) -> Void)?>(nil)

    var pagesAnswered: Int { count.withLockedValue { $0 } }

    func answered(_ pages: Int) { count.withLockedValue { $0 += pages } }

    /// A connection's remote address names it while it is open, and `Request.remoteAddress` is
    /// the same address: that is how the responder finds whose request it has answered.
    func lend(_ peer: SocketAddress, channel: Channel) { loans.withLockedValue { $0[peer] = channel } }

    func forgetLoan(_ peer: SocketAddress) { _ = loans.withLockedValue { $0.removeValue(forKey: peer) } }

    /// Called by the responder for every request it answers: gives a lent request's connection
    /// back to its door once the answer is written. Vapor writes it in a callback on the
    /// connection's loop, queued (when the answer came from another loop) right after this one's
    /// first hop, hence the second.
    func returnLoan(of request: Request, _ response: EventLoopFuture<Response>) -> EventLoopFuture<Response> {
        guard let peer = request.remoteAddress,
              let channel = loans.withLockedValue({ $0.removeValue(forKey: peer) }) else { return response }
        return response.always { result in
            // An answer held in memory is written at once; a stream goes on after the head, and
            // after a 101 the connection is no longer HTTP: the door leaves in both cases.
            let complete = (try? result.get()).map {
                $0.status != .switchingProtocols && ($0.body.buffer != nil || $0.body.count == 0)
            } ?? true
            channel.eventLoop.execute {
                channel.eventLoop.execute {
                    try? channel.pipeline.syncOperations.handler(type: GuestPageFrontDoor.self).loanReturned(complete: complete)
                }
            }
        }
    }

    func revalidate(target: String, layout: String) {
        revalidation.withLockedValue { $0 }?(target, layout)
    }

    func setRevalidation(_ run: @escaping @Sendable (String, String) -> Void) {
        revalidation.withLockedValue { $0 = run }
    }
}

/// Vapor's HTTP server with the front door first on each connection it accepts.
///
/// Vapor builds every connection's handlers itself and offers no hook for adding one, so this
/// finds the server's listening channel by reflection and puts a handler on it that gives each
/// accepted connection its front door before Vapor's handlers are added. If a Vapor release
/// renames what is reflected on, the server runs without the front door (a warning says so)
/// and `FrontDoorTests` fails.
final class FrontDoorServer: Server {
    let http: HTTPServer
    private let application: Application

    init(application: Application) {
        self.application = application
        self.http = application.http.server.shared
    }

    var onShutdown: EventLoopFuture<Void> { http.onShutdown }

    func start(address: BindAddress?) async throws {
        try await http.start(address: address)
        try await install()
    }

    @available(*, noasync)
    func start(address: BindAddress?) throws {
        try http.start(address: address)
        try application.eventLoopGroup.any().makeFutureWithTask { try await self.install() }.wait()
    }

    func shutdown() async { await http.shutdown() }

    @available(*, noasync)
    func shutdown() { http.shutdown() }

    private func install() async throws {
        // TLS would put encrypted bytes in front of the door: it only opens on plain HTTP/1.1.
        guard http.configuration.tlsConfiguration == nil else { return }
        guard let listener = Self.listeningChannel(of: http) else {
            application.logger.warning("The guest-page front door is off: Vapor's HTTPServer no longer has the fields it looks for.")
            return
        }
        let app = application
        let responder = app.responder.current
        let pages = app.guestPages, door = app.frontDoor
        door.setRevalidation { target, layout in
            var headers = HTTPHeaders()
            if !layout.isEmpty { headers.add(name: .cookie, value: "\(LayoutPreferences.cookieName)=\(layout)") }
            let request = Request(application: app, method: .GET, url: URI(path: target), headers: headers,
                                  logger: app.logger, on: app.eventLoopGroup.any())
            responder.respond(to: request).whenComplete { result in
                pages.revalidated(target: target, layout: layout, succeeded: (try? result.get().status) == .ok)
            }
        }
        try await listener.pipeline.addHandler(FrontDoorAcceptor(pages: pages, door: door), position: .first)
    }

    /// `HTTPServer.connection` (a locked optional `HTTPServerConnection`), then its `channel`.
    static func listeningChannel(of server: HTTPServer) -> Channel? {
        guard let box = Mirror(reflecting: server).descendant("connection") as? LockedValueReading else { return nil }
        return Mirror(reflecting: box.lockedValue).descendant("some", "channel") as? Channel
    }
}

/// Reads a `NIOLockedValueBox` whose value type is private to another module.
private protocol LockedValueReading {
    var lockedValue: Any { get }
}

extension NIOLockedValueBox: LockedValueReading {
    fileprivate var lockedValue: Any { withLockedValue { $0 } }
}

/// On the listening channel: gives each accepted connection its front door. It runs before
/// NIO's accept handler, whose initializer (Vapor's handlers) runs later on the connection's
/// own loop, so the door ends up first.
private final class FrontDoorAcceptor: ChannelInboundHandler, Sendable {
    typealias InboundIn = Channel
    typealias InboundOut = Channel

    let pages: GuestPageCache
    let door: FrontDoor

    init(pages: GuestPageCache, door: FrontDoor) {
        self.pages = pages
        self.door = door
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let connection = unwrapInboundIn(data)
        let (pages, door) = (pages, door)
        connection.eventLoop.execute {
            try? connection.pipeline.syncOperations.addHandler(GuestPageFrontDoor(pages: pages, door: door), position: .first)
        }
        context.fireChannelRead(data)
    }
}

extension Application {
    private struct FrontDoorKey: StorageKey { typealias Value = FrontDoor }

    var frontDoor: FrontDoor {
        get { storage[FrontDoorKey.self]! }
        set { storage[FrontDoorKey.self] = newValue }
    }
}
