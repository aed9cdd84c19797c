import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import Vapor

/// The one HTTP client identity work uses (OpenID Connect discovery, keys and tokens; users'
/// pictures): redirects never followed, so a checked address cannot send us elsewhere;
/// short timeouts; bodies read up to a limit and no further.
final class IdentityHTTP: Sendable {
    let client: HTTPClient
    static let timeout: TimeAmount = .seconds(10)

    init(eventLoopGroup: any EventLoopGroup) {
        var configuration = HTTPClient.Configuration(redirectConfiguration: .disallow,
                                                     timeout: .init(connect: .seconds(5), read: Self.timeout))
        configuration.decompression = .disabled
        client = HTTPClient(eventLoopGroup: eventLoopGroup, configuration: configuration)
    }

    func shutdown() async {
        try? await client.shutdown()
    }

    struct Answer: Sendable {
        var status: HTTPResponseStatus
        var headers: HTTPHeaders
        var body: ByteBuffer
    }

    enum Failure: Error, CustomStringConvertible {
        case tooLarge(Int)
        case unreachable(String)

        var description: String {
            switch self {
            case .tooLarge(let limit): "the answer is larger than \(limit) bytes"
            case .unreachable(let reason): reason
            }
        }
    }

    func send(_ method: HTTPMethod, _ url: String, headers: HTTPHeaders = [:], body: ByteBuffer? = nil, limit: Int) async throws -> Answer {
        var request = HTTPClientRequest(url: url)
        request.method = method
        request.headers = headers
        if let body { request.body = .bytes(body) }
        let response: HTTPClientResponse
        do {
            response = try await client.execute(request, timeout: Self.timeout)
        } catch {
            throw Failure.unreachable("\(url): \(error)")
        }
        if let length = response.headers.first(name: "Content-Length").flatMap(Int.init), length > limit {
            throw Failure.tooLarge(limit)
        }
        do {
            return Answer(status: response.status, headers: response.headers, body: try await response.body.collect(upTo: limit))
        } catch is NIOTooManyBytesError {
            throw Failure.tooLarge(limit)
        }
    }
}

/// Closes the client's connections when the application shuts down.
struct IdentityHTTPShutdown: LifecycleHandler {
    func shutdownAsync(_ application: Application) async {
        await application.identityHTTP.shutdown()
    }
}

extension Application {
    private struct IdentityHTTPKey: StorageKey { typealias Value = IdentityHTTP }

    var identityHTTP: IdentityHTTP {
        get { storage[IdentityHTTPKey.self]! }
        set { storage[IdentityHTTPKey.self] = newValue }
    }
}
