import Foundation
import NIOCore
import NIOPosix

/// Where the server may connect when someone else names the URL (a webhook endpoint, a
/// picture in a user-sync event): absolute http(s) URLs only, and never to loopback, private,
/// link-local or other non-public addresses unless the operator allows them
/// (`METROPOLE_WEBHOOKS_ALLOW_PRIVATE=1`). Checked when the URL is taken and again, after
/// resolving the host, at every connection, so a name that later points inside (DNS
/// rebinding) is refused then.
struct OutboundDestination: Sendable, Equatable {
    static let maximumURLLength = 2048

    var url: URL
    var scheme: String
    var host: String
    var port: Int

    enum Problem: Error, Equatable, CustomStringConvertible {
        case notHTTP
        case tooLong
        case credentials
        case privateAddress(String)
        case unresolvable(String)

        var description: String {
            switch self {
            case .notHTTP: "url must be an absolute http:// or https:// URL with a host."
            case .tooLong: "url must be at most \(OutboundDestination.maximumURLLength) characters."
            case .credentials: "url must not carry a user name or password."
            case .privateAddress(let host): "\(host) is a loopback, private or link-local address; only public addresses are allowed."
            case .unresolvable(let host): "\(host) does not resolve."
            }
        }

        var code: String {
            switch self {
            case .notHTTP, .tooLong, .credentials: "invalid_url"
            case .privateAddress: "private_address"
            case .unresolvable: "unresolvable_host"
            }
        }
    }

    /// Checks the URL's form, and a literal address's kind. Host names are checked when resolved.
    static func parse(_ text: String, allowPrivate: Bool) -> Result<OutboundDestination, Problem> {
        guard text.count <= maximumURLLength else { return .failure(.tooLong) }
        guard let components = URLComponents(string: text), let scheme = components.scheme?.lowercased(),
              ["http", "https"].contains(scheme), var host = components.host, !host.isEmpty,
              let url = components.url, text.allSatisfy({ !$0.isWhitespace })
        else { return .failure(.notHTTP) }
        guard components.user == nil, components.password == nil else { return .failure(.credentials) }
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        let destination = OutboundDestination(url: url, scheme: scheme, host: host.lowercased(),
                                             port: components.port ?? (scheme == "https" ? 443 : 80))
        if !allowPrivate, let kind = AddressKind(literal: destination.host), kind != .public {
            return .failure(.privateAddress(destination.host))
        }
        if !allowPrivate, destination.host == "localhost" || destination.host.hasSuffix(".localhost") {
            return .failure(.privateAddress(destination.host))
        }
        return .success(destination)
    }

    /// The addresses to connect to: resolved now, every one public (unless allowed).
    func resolve(allowPrivate: Bool) async throws(Problem) -> [SocketAddress] {
        let host = self.host, port = self.port
        let addresses: [SocketAddress]
        do {
            addresses = try await NIOThreadPool.singleton.runIfActive { try Self.lookUp(host: host, port: port) }
        } catch {
            throw .unresolvable(host)
        }
        guard !addresses.isEmpty else { throw .unresolvable(host) }
        if !allowPrivate {
            for address in addresses {
                guard let ip = address.ipAddress, AddressKind(literal: ip) == .public else { throw .privateAddress(host) }
            }
        }
        return addresses
    }

    private static func lookUp(host: String, port: Int) throws -> [SocketAddress] {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var result: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, String(port), &hints, &result) == 0, let first = result else { return [] }
        defer { freeaddrinfo(first) }
        var addresses: [SocketAddress] = []
        var cursor: UnsafeMutablePointer<addrinfo>? = first
        while let info = cursor {
            if let raw = info.pointee.ai_addr {
                switch Int32(raw.pointee.sa_family) {
                case AF_INET:
                    raw.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { addresses.append(SocketAddress($0.pointee, host: host)) }
                case AF_INET6:
                    raw.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { addresses.append(SocketAddress($0.pointee, host: host)) }
                default: break
                }
            }
            cursor = info.pointee.ai_next
        }
        return addresses
    }
}

/// What kind of address an IP literal is. Anything but `.public` is refused by default.
enum AddressKind: Equatable, Sendable {
    case `public`, loopback, privateNetwork, linkLocal, reserved

    /// nil when `text` is not an IPv4 or IPv6 literal.
    init?(literal text: String) {
        var v4 = in_addr(), v6 = in6_addr()
        if inet_pton(AF_INET, text, &v4) == 1 {
            self = Self.classify(v4: withUnsafeBytes(of: v4) { Array($0) })
        } else if inet_pton(AF_INET6, text, &v6) == 1 {
            self = Self.classify(v6: withUnsafeBytes(of: v6) { Array($0) })
        } else {
            return nil
        }
    }

    static func classify(v4 b: [UInt8]) -> AddressKind {
        switch (b[0], b[1]) {
        case (127, _): return .loopback
        case (10, _), (172, 16...31), (192, 168): return .privateNetwork
        case (100, 64...127): return .privateNetwork  // carrier-grade NAT
        case (169, 254): return .linkLocal
        case (0, _), (224...255, _): return .reserved  // "this network", multicast, reserved, broadcast
        case (192, 0) where b[2] == 0 || b[2] == 2: return .reserved  // protocol assignments, TEST-NET-1
        case (198, 18...19): return .reserved  // benchmarking
        case (198, 51) where b[2] == 100, (203, 0) where b[2] == 113: return .reserved  // TEST-NET-2/3
        default: return .public
        }
    }

    static func classify(v6 b: [UInt8]) -> AddressKind {
        if b[0..<15].allSatisfy({ $0 == 0 }) { return b[15] == 1 ? .loopback : .reserved }  // ::1, ::
        if b[0..<10].allSatisfy({ $0 == 0 }), b[10] == 0xff, b[11] == 0xff { return classify(v4: Array(b[12..<16])) }  // ::ffff:a.b.c.d
        if b[0] == 0x00, b[1] == 0x64, b[2] == 0xff, b[3] == 0x9b { return classify(v4: Array(b[12..<16])) }  // NAT64 64:ff9b::/96
        if b[0] & 0xfe == 0xfc { return .privateNetwork }  // fc00::/7
        if b[0] == 0xfe, b[1] & 0xc0 == 0x80 { return .linkLocal }  // fe80::/10
        if b[0] == 0xfe, b[1] & 0xc0 == 0xc0 { return .privateNetwork }  // fec0::/10, deprecated site-local
        if b[0] == 0xff { return .reserved }  // multicast
        if b[0] == 0x20, b[1] == 0x01, b[2] == 0x0d, b[3] == 0xb8 { return .reserved }  // documentation
        return .public
    }
}
