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
        guard let parsed = URL(string: url), let scheme = parsed.scheme?.lowercased(), ["http", "https"].contains(scheme),
              let host = parsed.host, !host.isEmpty, parsed.user == nil
        else { throw Failure.badURL }
        if !app.metropole.identity.allowPrivateAddresses {
            let port = parsed.port ?? (scheme == "https" ? 443 : 80)
            // Every address the name resolves to must be public. (A name that resolves
            // differently a moment later is the remaining gap; redirects are never followed.)
            let addresses = try await app.threadPool.runIfActive { try resolve(host, port: port) }
            if let bad = addresses.first(where: { !$0.isPublic }) { throw Failure.forbiddenAddress(bad.description) }
        }
        let answer = try await app.identityHTTP.send(.GET, url, headers: ["Accept": "image/png, image/jpeg, image/webp"],
                                                     limit: ImageUpload.maximumBytes)
        guard answer.status == .ok else { throw Failure.status(answer.status.code) }
        return answer.body
    }

    enum Address: Equatable, CustomStringConvertible {
        case v4(UInt32)
        case v6([UInt8])

        var description: String {
            switch self {
            case .v4(let value): (0..<4).map { String(value >> UInt32(24 - 8 * $0) & 0xFF) }.joined(separator: ".")
            case .v6(let bytes): stride(from: 0, to: 16, by: 2).map { String(UInt16(bytes[$0]) << 8 | UInt16(bytes[$0 + 1]), radix: 16) }.joined(separator: ":")
            }
        }

        var isPublic: Bool {
            switch self {
            case .v4(let value): RemoteImage.isPublic(ipv4: value)
            case .v6(let bytes): RemoteImage.isPublic(ipv6: bytes)
            }
        }
    }

    /// Every address `host` resolves to (getaddrinfo; blocking, so called on the thread pool).
    static func resolve(_ host: String, port: Int) throws -> [Address] {
        let bare = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
        var hints = addrinfo()
        #if os(Linux)
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        #else
        hints.ai_socktype = SOCK_STREAM
        #endif
        var list: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(bare, String(port), &hints, &list) == 0, let first = list else {
            throw IdentityHTTP.Failure.unreachable("\(host) does not resolve")
        }
        defer { freeaddrinfo(first) }
        var addresses: [Address] = []
        var cursor: UnsafeMutablePointer<addrinfo>? = first
        while let entry = cursor {
            if let raw = entry.pointee.ai_addr {
                switch entry.pointee.ai_family {
                case AF_INET:
                    let v4 = raw.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { $0.pointee }
                    addresses.append(.v4(UInt32(bigEndian: v4.sin_addr.s_addr)))
                case AF_INET6:
                    var v6 = raw.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { $0.pointee.sin6_addr }
                    addresses.append(.v6(withUnsafeBytes(of: &v6) { Array($0) }))
                default: break
                }
            }
            cursor = entry.pointee.ai_next
        }
        return addresses
    }

    static func isPublic(ipv4 value: UInt32) -> Bool {
        let blocked: [(UInt32, Int)] = [
            (0x0000_0000, 8), (0x0A00_0000, 8), (0x6440_0000, 10), (0x7F00_0000, 8), (0xA9FE_0000, 16),
            (0xAC10_0000, 12), (0xC000_0000, 24), (0xC000_0200, 24), (0xC0A8_0000, 16), (0xC612_0000, 15),
            (0xC633_6400, 24), (0xCB00_7100, 24), (0xE000_0000, 4), (0xF000_0000, 4),
        ]
        return !blocked.contains { network, bits in value >> UInt32(32 - bits) == network >> UInt32(32 - bits) }
    }

    static func isPublic(ipv6 bytes: [UInt8]) -> Bool {
        guard bytes.count == 16 else { return false }
        if bytes[0..<10].allSatisfy({ $0 == 0 }) && bytes[10] == 0xFF && bytes[11] == 0xFF {
            // IPv4-mapped: judged as the IPv4 address.
            return isPublic(ipv4: bytes[12..<16].reduce(0) { $0 << 8 | UInt32($1) })
        }
        if bytes[0..<15].allSatisfy({ $0 == 0 }) { return false } // :: and ::1
        if bytes[0] & 0xFE == 0xFC { return false }                // fc00::/7 unique local
        if bytes[0] == 0xFE && bytes[1] & 0xC0 == 0x80 { return false } // fe80::/10 link-local
        if bytes[0] == 0xFF { return false }                       // multicast
        if bytes[0] == 0x20 && bytes[1] == 0x01 && bytes[2] == 0x0D && bytes[3] == 0xB8 { return false } // documentation
        if bytes[0] == 0x00 && bytes[1] == 0x64 && bytes[2] == 0xFF && bytes[3] == 0x9B { return false } // NAT64
        return true
    }
}
