import NIOCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

extension STUNAddress {
    /// The address a datagram came from, as XOR-MAPPED-ADDRESS reports it; nil for Unix sockets.
    public init?(_ address: SocketAddress) {
        guard let port = address.port, let port = UInt16(exactly: port) else { return nil }
        switch address {
        case .v4(let v4):
            self.init(host: .ipv4(UInt32(bigEndian: v4.address.sin_addr.s_addr)), port: port)
        case .v6(let v6):
            var raw = v6.address.sin6_addr
            let (high, low) = withUnsafeBytes(of: &raw) { bytes in
                (bytes.loadUnaligned(fromByteOffset: 0, as: UInt64.self).bigEndian,
                 bytes.loadUnaligned(fromByteOffset: 8, as: UInt64.self).bigEndian)
            }
            self.init(host: .ipv6(high, low), port: port)
        case .unixDomainSocket:
            return nil
        }
    }
}
