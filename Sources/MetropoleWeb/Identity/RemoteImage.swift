import Foundation
import NIOCore
import Vapor

/// A user's picture named by their identity provider, fetched once and stored like an upload
/// (at most 4 MiB, recognised by its bytes). Never from loopback, private, link-local or
/// other special addresses unless `METROPOLE_WEBHOOKS_ALLOW_PRIVATE=1`: the URL is the
/// sender's to choose, and the server must not become a way into its own network.
enum RemoteImage {
    enum Failure: Error, CustomStringConvertible {
        case badURL
        case forbiddenAddress(String)
        case status(UInt)

        var description: String {
            switch self {
            case .badURL: "not an http(s) URL"
            case .forbiddenAddress(let address): "\(address) is a loopback, private or special address"
            case .status(let code): "the server answered \(code)"
            }
        }
    }

    /// The picture's bytes, checked for size and kind by `ImageUpload.store` afterwards.
    static func fetch(_ url: String, in app: Application) async throws -> ByteBuffer {
        let allowPrivate = app.metropole.webhooksAllowPrivate
        let destination: OutboundDestination
        switch OutboundDestination.parse(url, allowPrivate: allowPrivate) {
        case .success(let parsed): destination = parsed
        case .failure(.privateAddress(let host)): throw Failure.forbiddenAddress(host)
        case .failure: throw Failure.badURL
        }
        // Every address the name resolves to must be public. (A name that resolves
        // differently a moment later is the remaining gap; redirects are never followed.)
        do {
            _ = try await destination.resolve(allowPrivate: allowPrivate)
        } catch .privateAddress(let host) {
            throw Failure.forbiddenAddress(host)
        } catch {
            throw IdentityHTTP.Failure.unreachable(error.description)
        }
        let answer = try await app.identityHTTP.send(.GET, url, headers: ["Accept": "image/png, image/jpeg, image/webp"],
                                                     limit: ImageUpload.maximumBytes)
        guard answer.status == .ok else { throw Failure.status(answer.status.code) }
        return answer.body
    }
}
