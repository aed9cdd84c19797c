import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOEmbedded
import NIOHTTP1
import NIOTestUtils
import Testing
import Vapor
@testable import MetropoleWeb

/// The HTTP edge's pipeline (`SiteServer.configure`) on an `EmbeddedChannel`, with a responder
/// that answers with what it was asked: every request accepted is answered, in order, under
/// any split of the bytes, or the connection closes with a 400.
@Suite struct HTTPConnectionTests {
    /// Answers `<method> <path> <body bytes>`; holds back answers to `/slow` until released.
    final class Echo: Responder, @unchecked Sendable {
        private let held = NIOLockedValueBox([EventLoopPromise<Response>]())
        let seen = NIOLockedValueBox([String]())

        func respond(to request: Request) -> EventLoopFuture<Response> {
            let line = "\(request.method) \(request.url.path) \(request.body.data?.readableBytes ?? 0)"
            seen.withLockedValue { $0.append(line) }
            if request.storage[BodyLimitMiddleware.TooLarge.self] == true {
                return request.eventLoop.makeSucceededFuture(Response(status: .payloadTooLarge, body: "too large"))
            }
            let response = Response(status: .ok, body: .init(string: line))
            guard request.url.path == "/slow" else { return request.eventLoop.makeSucceededFuture(response) }
            let promise = request.eventLoop.makePromise(of: Response.self)
            held.withLockedValue { $0.append(promise) }
            return promise.futureResult.map { _ in response }
        }

        func release() {
            for promise in held.withLockedValue({ held in defer { held = [] }; return held }) {
                promise.succeed(Response())
            }
        }
    }

    struct Answer: Equatable {
        var status: Int
        var headers: [String: String]
        var body: String
    }

    /// One connection through the real pipeline.
    final class Connection {
        let channel = EmbeddedChannel()
        let echo = Echo()
        private var output = ByteBuffer()

        init(app: Application) throws {
            var limits = BodyLimits()
            limits.allow(1 << 20, for: .POST, path: ["upload"])
            let environment = HTTPConnectionHandler.Environment(
                application: app, responder: echo, pages: GuestPageCache(listings: ListingCache()),
                bodyLimits: limits, serverName: "Metropole"
            )
            try SiteServer.configure(channel, environment)
            try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 4000)).wait()
        }

        /// Sends `bytes` in pieces whose sizes come from `seed` (0: all at once).
        func send(_ bytes: String, seed: UInt64 = 0) throws {
            var generator = SplitMix(seed: seed)
            var rest = ByteBuffer(string: bytes)
            while rest.readableBytes > 0 {
                let size = seed == 0 ? rest.readableBytes : Int(generator.next() % 23) + 1
                try channel.writeInbound(rest.readSlice(length: min(size, rest.readableBytes))!)
                channel.embeddedEventLoop.run()
            }
        }

        /// Every answer written so far.
        func answers() throws -> [Answer] {
            channel.embeddedEventLoop.run()
            while var part = try channel.readOutbound(as: ByteBuffer.self) { output.writeBuffer(&part) }
            var bytes = output
            var answers: [Answer] = []
            while let answer = Self.parse(&bytes) { answers.append(answer) }
            return answers
        }

        var isOpenForWriting: Bool { channel.isActive && !closedOutput }
        var closedOutput = false

        private static func parse(_ bytes: inout ByteBuffer) -> Answer? {
            let text = String(buffer: bytes)
            guard let end = text.range(of: "\r\n\r\n") else { return nil }
            let lines = text[..<end.lowerBound].components(separatedBy: "\r\n")
            var headers: [String: String] = [:]
            for line in lines.dropFirst() {
                let parts = line.split(separator: ":", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
                headers[parts[0].lowercased()] = parts.count > 1 ? parts[1] : ""
            }
            let headLength = text[..<end.upperBound].utf8.count
            let length = Int(headers["content-length"] ?? "0") ?? 0
            guard bytes.readableBytes >= headLength + length else { return nil }
            bytes.moveReaderIndex(forwardBy: headLength)
            let body = bytes.readString(length: length) ?? ""
            let status = Int(lines[0].split(separator: " ")[1]) ?? 0
            return Answer(status: status, headers: headers, body: body)
        }
    }

    static func withConnection(_ body: (Connection) throws -> Void) async throws {
        let app = try await Application.make(.testing)
        do {
            try body(try Connection(app: app))
        } catch {
            try await app.asyncShutdown()
            throw error
        }
        try await app.asyncShutdown()
    }

    static let chunkedPostThenTwoGets =
        "POST /form HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n"
        + "GET /one HTTP/1.1\r\nHost: t\r\n\r\n"
        + "GET /two HTTP/1.1\r\nHost: t\r\n\r\n"

    @Test(arguments: [0, 1, 2, 3, 4, 5, 6, 7, 8] as [UInt64])
    func aChunkedPostAndTwoPipelinedGetsGetThreeAnswersInOrder(seed: UInt64) async throws {
        try await Self.withConnection { connection in
            try connection.send(Self.chunkedPostThenTwoGets, seed: seed)
            #expect(try connection.answers().map(\.body) == ["POST /form 11", "GET /one 0", "GET /two 0"])
        }
    }

    @Test(arguments: [0, 11, 12, 13] as [UInt64])
    func pipelinedRequestsWaitForASlowAnswerAndKeepTheirOrder(seed: UInt64) async throws {
        try await Self.withConnection { connection in
            let body = String(repeating: "x", count: 20_000)
            try connection.send(
                "GET /slow HTTP/1.1\r\nHost: t\r\n\r\n"
                + "POST /upload HTTP/1.1\r\nHost: t\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)"
                + "GET /last HTTP/1.1\r\nHost: t\r\n\r\n", seed: seed)
            #expect(try connection.answers().isEmpty)
            connection.echo.release()
            #expect(try connection.answers().map(\.body) == ["GET /slow 0", "POST /upload 20000", "GET /last 0"])
        }
    }

    @Test func aClientThatExpectsContinueGetsItThenItsAnswers() async throws {
        try await Self.withConnection { connection in
            try connection.send("POST /form HTTP/1.1\r\nHost: t\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n")
            #expect(try connection.answers().map(\.status) == [100])
            try connection.send("ping" + "GET /after HTTP/1.1\r\nHost: t\r\n\r\n")
            #expect(try connection.answers().map(\.body) == ["", "POST /form 4", "GET /after 0"])
        }
    }

    @Test func aCloseRequestIsTheLastOneAnsweredAndTheOutputIsClosedAfterIt() async throws {
        try await Self.withConnection { connection in
            try connection.send("GET /bye HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n" + "GET /held HTTP/1.1\r\nHost: t\r\n\r\n")
            let answers = try connection.answers()
            #expect(answers.map(\.body) == ["GET /bye 0"])
            #expect(answers.first?.headers["connection"] == "close")
            #expect(connection.echo.seen.withLockedValue { $0 } == ["GET /bye 0"])
        }
    }

    @Test func anOversizedBodyIsDroppedAndRefusedAndTheConnectionGoesOn() async throws {
        try await Self.withConnection { connection in
            let big = String(repeating: "y", count: BodyLimits.standard + 1)
            try connection.send("POST /form HTTP/1.1\r\nHost: t\r\nContent-Length: \(big.utf8.count)\r\n\r\n\(big)"
                                + "GET /next HTTP/1.1\r\nHost: t\r\n\r\n", seed: 21)
            let answers = try connection.answers()
            #expect(answers.map(\.status) == [413, 200])
            #expect(answers.last?.body == "GET /next 0")
            // The application saw the refused request without its body.
            #expect(connection.echo.seen.withLockedValue { $0 }.first == "POST /form 0")
        }
    }

    @Test func headAnswersCarryTheLengthButNoBody() async throws {
        try await Self.withConnection { connection in
            try connection.send("HEAD /page HTTP/1.1\r\nHost: t\r\n\r\nGET /page HTTP/1.1\r\nHost: t\r\n\r\n")
            // The parser reads the HEAD answer's length as a body it never gets: read raw.
            connection.channel.embeddedEventLoop.run()
            var raw = ""
            while let part = try connection.channel.readOutbound(as: ByteBuffer.self) { raw += String(buffer: part) }
            let heads = raw.components(separatedBy: "HTTP/1.1 200 OK")
            #expect(heads.count == 3)
            #expect(heads[1].contains("content-length: 12") && heads[1].hasSuffix("\r\n\r\n"))
            #expect(heads[2].hasSuffix("GET /page 0"))
        }
    }

    @Test func bytesThatAreNotHTTPGetA400AndTheConnectionCloses() async throws {
        try await Self.withConnection { connection in
            try connection.send("GET /ok HTTP/1.1\r\nHost: t\r\n\r\nGARBAGE\0\r\n\r\n")
            let statuses = try connection.answers().map(\.status)
            #expect(statuses == [200, 400])
            #expect(!connection.channel.isActive)
        }
    }

    @Test func everyAnswerNamesTheServerAndTheDateAndKeepsTheConnection() async throws {
        try await Self.withConnection { connection in
            try connection.send("GET /x HTTP/1.1\r\nHost: t\r\n\r\n")
            let headers = try #require(try connection.answers().first).headers
            #expect(headers["server"] == "Metropole" && headers["connection"] == "keep-alive")
            #expect(headers["date"]?.hasSuffix(" GMT") == true)
        }
    }

    /// NIO's parser frames the sequences above identically under every split of the bytes:
    /// what the edge relies on before any of its own logic runs.
    @Test func theParserFramesTheTrickySequencesTheSameWhateverTheSplit() throws {
        func head(_ method: HTTPMethod, _ uri: String, _ headers: HTTPHeaders) -> HTTPServerRequestPart {
            .head(HTTPRequestHead(version: .http1_1, method: method, uri: uri, headers: headers))
        }
        let input = "POST /a HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nx\r\n0\r\n\r\n"
            + "GET /b HTTP/1.1\r\nHost: t\r\n\r\n"
            + "POST /c HTTP/1.1\r\nHost: t\r\nContent-Length: 1\r\nExpect: 100-continue\r\n\r\ny"
            + "GET /d HTTP/1.1\r\nHost: t\r\n\r\n"
        let expected: [HTTPServerRequestPart] = [
            head(.POST, "/a", ["Host": "t", "Transfer-Encoding": "chunked"]), .body(ByteBuffer(string: "x")), .end(nil),
            head(.GET, "/b", ["Host": "t"]), .end(nil),
            head(.POST, "/c", ["Host": "t", "Content-Length": "1", "Expect": "100-continue"]), .body(ByteBuffer(string: "y")), .end(nil),
            head(.GET, "/d", ["Host": "t"]), .end(nil),
        ]
        try ByteToMessageDecoderVerifier.verifyDecoder(
            inputOutputPairs: [(ByteBuffer(string: input), expected)],
            decoderFactory: { HTTPRequestDecoder(leftOverBytesStrategy: .dropBytes) }
        )
    }
}

/// A small seeded generator, so a failing split can be replayed.
struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
