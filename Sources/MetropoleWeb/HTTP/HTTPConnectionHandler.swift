import NIOCore
import NIOHTTP1
import Vapor

/// Serves one HTTP/1.1 connection behind NIO's codec and pipelining handler: a guest's view of a
/// cached page is answered from the head alone; every other request is collected and handed to
/// the application's responder, and its answer written. Decisions are the state machine's
/// (`HTTPConnectionStateMachine`); this only carries them out.
final class HTTPConnectionHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    /// What every connection shares.
    struct Environment: Sendable {
        var application: Application
        var responder: any Responder
        var pages: GuestPageCache
        var bodyLimits: BodyLimits
        var serverName: String
    }

    private let environment: Environment
    private let httpHandlers: [RemovableChannelHandler]
    private var machine = HTTPConnectionStateMachine()
    /// The request being received or answered.
    private var head: HTTPRequestHead?
    private var visit: GuestVisit?
    private var cachedPage: ByteBuffer?
    private var body: ByteBuffer?
    /// Holds the bytes after an upgrade request away from the HTTP parser until the
    /// application has answered it.
    private var upgradeBuffer: UpgradeBuffer?
    private var eventStream: EventStreamConnection?
    private var dates = HTTPDateCache()

    /// `httpHandlers` are NIO's HTTP handlers in front of this one, removed on an upgrade.
    init(environment: Environment, httpHandlers: [RemovableChannelHandler]) {
        self.environment = environment
        self.httpHandlers = httpHandlers
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            received(head, context: context)
        case .body(var part):
            let action = machine.receivedBody(count: part.readableBytes)
            if case .receiving = machine.state { body.setOrWriteBuffer(&part) }
            perform(action, context: context)
        case .end:
            perform(machine.receivedEnd(), context: context)
        }
    }

    private func received(_ head: HTTPRequestHead, context: ChannelHandlerContext) {
        self.head = head
        body = nil
        visit = GuestVisit(method: head.method, target: head.uri, headers: head.headers)
        cachedPage = visit.flatMap(environment.pages.freshPage(for:))
        // Answered here, before Vapor's responder, so its HTTP metrics never see these.
        if cachedPage != nil { MetropoleMetrics.guestPagesFromCache.increment() }
        if head.headers[canonicalForm: "connection"].contains(where: { $0.lowercased() == "upgrade" }) {
            let buffer = UpgradeBuffer()
            if (try? context.pipeline.syncOperations.addHandler(buffer, position: .first)) != nil { upgradeBuffer = buffer }
        }
        let expectation = head.headers.first(name: .expect)?.lowercased()
        let action = machine.receivedHead(.init(
            keepAlive: head.isKeepAlive,
            declaredLength: head.headers.first(name: .contentLength).flatMap { Int($0) },
            expectsContinue: expectation == "100-continue",
            bodyLimit: environment.bodyLimits.limit(method: head.method, target: head.uri),
            cachedPage: cachedPage != nil
        ))
        perform(action, context: context)
    }

    private func perform(_ action: HTTPConnectionStateMachine.Action, context: ChannelHandlerContext) {
        switch action {
        case .none:
            break
        case .sendContinue:
            guard let head else { return }
            context.writeAndFlush(wrapOutboundOut(.head(HTTPResponseHead(version: head.version, status: .continue))), promise: nil)
        case .dispatch:
            dispatch(context: context, tooLarge: false)
        case .dispatchTooLarge:
            dispatch(context: context, tooLarge: true)
        case .answerCachedPage:
            guard let page = cachedPage else { return context.close(promise: nil) }
            cachedPage = nil
            writeCachedPage(page, context: context)
        case .writeAnswer:
            // Only `answerReady` returns it, where the answer is at hand.
            break
        case .rejectMalformed:
            // A head cut short by the client's close is reported as the channel goes inactive:
            // nobody is left to read a 400, and during shutdown NIO's pipelining handler
            // (quiesced) traps on a write (debug builds).
            guard context.channel.isActive else { return context.close(promise: nil) }
            let headers: HTTPHeaders = ["connection": "close", "content-length": "0"]
            context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: .badRequest, headers: headers))), promise: nil)
            let channel = context.channel
            context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in channel.close(promise: nil) }
        case .close:
            context.close(promise: nil)
        }
    }

    // MARK: The application

    private func dispatch(context: ChannelHandlerContext, tooLarge: Bool) {
        guard let head else { return }
        let request = Request(
            application: environment.application, method: head.method, url: URI(path: head.uri), version: head.version,
            headersNoUpdate: head.headers, collectedBody: tooLarge ? nil : body, remoteAddress: context.channel.remoteAddress,
            logger: environment.application.logger, byteBufferAllocator: context.channel.allocator, on: context.eventLoop
        )
        body = nil
        GuestVisit.remember(visit, on: request)
        if tooLarge { request.storage[BodyLimitMiddleware.TooLarge.self] = true }
        let handler = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        environment.responder.respond(to: request).hop(to: context.eventLoop).whenComplete { result in
            let (handler, context) = handler.value
            switch result {
            case .success(let response):
                handler.answer(response, to: request, context: context)
            case .failure(let error):
                // The error middleware answers every error it sees; this is what escaped it.
                request.logger.report(error: error)
                handler.answer(Response(status: .internalServerError), to: request, context: context)
            }
        }
    }

    private func answer(_ response: Response, to request: Request, context: ChannelHandlerContext) {
        guard context.channel.isActive else { return }
        if response.status == .switchingProtocols, let upgrader = response.upgrader {
            return upgrade(with: upgrader, request: request, response: response, context: context)
        }
        if let stream = request.eventStream {
            return startEventStream(stream, response: response, context: context)
        }
        guard response.body.buffer != nil || response.body.count == 0 else {
            // A streamed body (a file): held in memory first, so the answer goes out in one write.
            let handler = NIOLoopBound((self, context), eventLoop: context.eventLoop)
            response.body.collect(on: context.eventLoop).whenComplete { result in
                let (handler, context) = handler.value
                switch result {
                case .success(let buffer): response.body = .init(buffer: buffer ?? ByteBuffer())
                case .failure: response.status = .internalServerError; response.body = .empty
                }
                handler.answer(response, to: request, context: context)
            }
            return
        }
        // A refused upgrade ends the connection: NIO's parser reads nothing more as HTTP after an
        // upgrade request, so a request pipelined behind it would never be answered.
        let refusedUpgrade = upgradeBuffer != nil
        removeUpgradeBuffer(context: context)
        let closes = refusedUpgrade || response.headers[canonicalForm: "connection"].contains { $0.lowercased() == "close" }
        guard case .writeAnswer(let keepOpen) = machine.answerReady(keepAlive: !closes) else { return }
        var headers = response.headers
        headers.replaceOrAdd(name: .connection, value: keepOpen ? "keep-alive" : "close")
        write(status: response.status, headers: headers, body: response.body.buffer, keepOpen: keepOpen, context: context)
    }

    private func writeCachedPage(_ page: ByteBuffer, context: ChannelHandlerContext) {
        guard case .writeAnswer(let keepOpen) = machine.answerReady(keepAlive: true) else { return }
        var headers = PageResponse.headers
        headers.add(name: .contentLength, value: String(page.readableBytes))
        headers.add(name: .connection, value: keepOpen ? "keep-alive" : "close")
        write(status: .ok, headers: headers, body: page, keepOpen: keepOpen, context: context)
    }

    /// Writes a whole answer. The state machine has already moved on: the end's write may
    /// deliver the next pipelined request to this handler before it returns.
    private func write(status: HTTPResponseStatus, headers: HTTPHeaders, body: ByteBuffer?, keepOpen: Bool,
                       context: ChannelHandlerContext) {
        var headers = headers
        headers.add(name: "date", value: dates.current())
        headers.add(name: "server", value: environment.serverName)
        let version = head?.version ?? .http1_1
        let sendsBody = head?.method != .HEAD && status != .noContent && status != .notModified
        head = nil
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: version, status: status, headers: headers))), promise: nil)
        if sendsBody, let body, body.readableBytes > 0 {
            context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil)
        }
        if keepOpen {
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        } else {
            let channel = context.channel
            context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in channel.close(mode: .output, promise: nil) }
        }
    }

    // MARK: Upgrades and streams

    /// A WebSocket: the 101 goes out, NIO's HTTP handlers and this one leave, and the upgrader
    /// puts its own handlers in; bytes that followed the request reach them.
    private func upgrade(with upgrader: any Upgrader, request: Request, response: Response, context: ChannelHandlerContext) {
        guard let head else { return }
        machine.tookOver()
        let protocolUpgrader = upgrader.applyUpgrade(req: request, res: response)
        let parts = NIOLoopBound((self, context, protocolUpgrader), eventLoop: context.eventLoop)
        protocolUpgrader.buildUpgradeResponse(channel: context.channel, upgradeRequest: head, initialResponseHeaders: response.headers)
            .flatMap { headers -> EventLoopFuture<Void> in
                let (handler, context, _) = parts.value
                context.write(handler.wrapOutboundOut(.head(HTTPResponseHead(version: head.version, status: .switchingProtocols, headers: headers))), promise: nil)
                return context.writeAndFlush(handler.wrapOutboundOut(.end(nil)))
            }
            .flatMap { () -> EventLoopFuture<Void> in
                let (handler, context, protocolUpgrader) = parts.value
                let pipeline = context.pipeline.syncOperations
                for http in handler.httpHandlers + [handler] { pipeline.removeHandler(http, promise: nil) }
                return protocolUpgrader.upgrade(context: context, upgradeRequest: head)
            }
            .whenComplete { result in
                let (handler, context, _) = parts.value
                switch result {
                case .success:
                    handler.removeUpgradeBuffer(context: context)
                case .failure:
                    context.close(promise: nil)
                }
            }
    }

    private func startEventStream(_ stream: EventStream, response: Response, context: ChannelHandlerContext) {
        removeUpgradeBuffer(context: context)
        machine.tookOver()
        var headers = response.headers
        // The body goes on until either side ends it: chunked, never a length.
        headers.remove(name: .contentLength)
        headers.add(name: "date", value: dates.current())
        headers.add(name: "server", value: environment.serverName)
        let version = head?.version ?? .http1_1
        head = nil
        context.writeAndFlush(wrapOutboundOut(.head(HTTPResponseHead(version: version, status: response.status, headers: headers))), promise: nil)
        // Nothing is pipelined behind an endless answer, and NIO's pipelining handler would keep
        // the server's stop signal (`ChannelShouldQuiesceEvent`) from reaching this handler.
        for handler in httpHandlers where handler is HTTPServerPipelineHandler {
            context.pipeline.syncOperations.removeHandler(handler, promise: nil)
        }
        let connection = EventStreamConnection(context: context)
        eventStream = connection
        stream.open(connection)
    }

    private func removeUpgradeBuffer(context: ChannelHandlerContext) {
        guard let buffer = upgradeBuffer else { return }
        upgradeBuffer = nil
        context.pipeline.syncOperations.removeHandler(buffer, promise: nil)
    }

    // MARK: Connection events

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        guard event is ChannelShouldQuiesceEvent else { return context.fireUserInboundEventTriggered(event) }
        if let eventStream {
            eventStream.close()
        } else {
            perform(machine.quiesce(), context: context)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        eventStream?.closed()
        eventStream = nil
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        guard error is HTTPParserError else { return context.close(promise: nil) }
        perform(machine.parseFailed(), context: context)
    }
}

/// Put in front of the HTTP parser while an upgrade request is answered: whatever the client
/// sends meanwhile belongs to the protocol it asked for, not to HTTP. Removing it hands the
/// bytes on to whichever handlers are then in place.
final class UpgradeBuffer: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer

    private var held: [NIOAny] = []

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        held.append(data)
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        for data in held { context.fireChannelRead(data) }
        if !held.isEmpty { context.fireChannelReadComplete() }
        held = []
    }
}

/// The `date` header's value, formatted once a second.
struct HTTPDateCache {
    private var second = 0
    private var value = ""

    mutating func current() -> String {
        let now = time(nil)
        if now != second || value.isEmpty {
            second = now
            value = Self.format(now)
        }
        return value
    }

    /// IMF-fixdate (RFC 9110 §5.6.7).
    static func format(_ seconds: Int) -> String {
        var clock = seconds, parts = tm()
        gmtime_r(&clock, &parts)
        let days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        func two(_ value: Int32) -> String { value < 10 ? "0\(value)" : "\(value)" }
        return "\(days[Int(parts.tm_wday)]), \(two(parts.tm_mday)) \(months[Int(parts.tm_mon)]) \(parts.tm_year + 1900) "
            + "\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec)) GMT"
    }
}
