import NIOCore

/// Routes datagrams on the one shared UDP port to sessions (decision 0027; pion's UDPMux
/// does the same). A STUN request whose USERNAME starts with a session's ufrag goes to that
/// session; anything else goes to the session its source address is bound to, or nowhere. A
/// session binds an address once a request's MESSAGE-INTEGRITY verified, so a spoofed or stray
/// datagram never claims an address.
public struct UDPMux<SessionID: Hashable & Sendable>: Sendable {
    private var byAddress: [SocketAddress: SessionID] = [:]
    private var addressesOf: [SessionID: [SocketAddress]] = [:]
    private var byUfrag: [String: SessionID] = [:]

    public init() {}

    public mutating func register(ufrag: String, for session: SessionID) {
        byUfrag[ufrag] = session
    }

    /// `address` now belongs to `session` (taking it from any other session: a NAT may
    /// reuse a port). At most `ICELiteAgent.maxTrustedAddresses` per session; the oldest goes.
    public mutating func bind(_ address: SocketAddress, to session: SessionID) {
        if let previous = byAddress[address] {
            guard previous != session else { return }
            addressesOf[previous]?.removeAll { $0 == address }
        }
        var addresses = addressesOf[session, default: []]
        if addresses.count == ICELiteAgent.maxTrustedAddresses {
            byAddress[addresses.removeFirst()] = nil
        }
        addresses.append(address)
        addressesOf[session] = addresses
        byAddress[address] = session
    }

    public mutating func remove(_ session: SessionID, ufrag: String) {
        for address in addressesOf.removeValue(forKey: session) ?? [] {
            byAddress[address] = nil
        }
        if byUfrag[ufrag] == session { byUfrag[ufrag] = nil }
    }

    /// The session a datagram from `source` belongs to. `message` is the datagram parsed as
    /// STUN when it is STUN (the caller parses once and keeps it). A Binding request goes to the
    /// session its USERNAME names even from a bound address: a publisher that reconnects from
    /// the same address and port must reach its new session, not the old one.
    public func route(from source: SocketAddress, stun message: STUNMessage?) -> SessionID? {
        if let message, message.type == .bindingRequest, let username = message.username,
           let ufrag = username.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false).first,
           let session = byUfrag[String(ufrag)] {
            return session
        }
        return byAddress[source]
    }

    public var boundAddressCount: Int { byAddress.count }
}
