import NIOCore

/// Our ICE credentials for one session (RFC 8445 §5.3, RFC 8839 §5.4): a ufrag with 48 bits
/// and a pwd with 144 bits of randomness from the system CSPRNG, in ice-chars.
public struct ICECredentials: Sendable, Equatable {
    public var ufrag: String
    public var pwd: String

    public init(ufrag: String, pwd: String) {
        self.ufrag = ufrag
        self.pwd = pwd
    }

    static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    public static func random() -> ICECredentials {
        ICECredentials(ufrag: randomText(count: 8), pwd: randomText(count: 24))
    }

    static func randomText(count: Int) -> String {
        var generator = SystemRandomNumberGenerator()
        return String(decoding: (0..<count).map { _ in alphabet[Int(generator.next(upperBound: UInt64(alphabet.count)))] }, as: UTF8.self)
    }
}

/// The ICE-lite side of one session (RFC 8445 §2.5, §7.3): we never send checks, we answer
/// the publisher's Binding requests, and a request whose MESSAGE-INTEGRITY verifies with our
/// pwd makes its source address trusted. The first trusted address carries our media and
/// DTLS; a later request with USE-CANDIDATE moves it (decision 0027).
///
/// A pure value: the caller passes the clock and sends what it returns.
public struct ICELiteAgent: Sendable {
    public enum Outcome: Sendable, Equatable {
        /// Not a Binding request for us to answer (indication, response, other method).
        case ignore
        /// Answer `reply`; the sender is not trusted (error response).
        case reject(reply: ByteBuffer, code: Int)
        /// Answer `reply`; the sender authenticated. `selected` says it now carries the session.
        case accept(reply: ByteBuffer, selected: Bool)
    }

    /// Authenticated addresses kept per session: a publisher has one or two (IPv4, IPv6).
    static let maxTrustedAddresses = 4

    public let local: ICECredentials
    /// The offer's ufrag: USERNAME must be `local:remote`.
    public let remoteUfrag: String
    public private(set) var selected: SocketAddress?
    public private(set) var nominated = false
    public private(set) var trusted: [SocketAddress] = []
    private let key: [UInt8]

    public init(local: ICECredentials, remoteUfrag: String) {
        self.local = local
        self.remoteUfrag = remoteUfrag
        self.key = Array(local.pwd.utf8)
    }

    public func isTrusted(_ address: SocketAddress) -> Bool {
        trusted.contains(address)
    }

    /// Answers one STUN message from `source` (RFC 8489 §6.3, RFC 8445 §7.3).
    public mutating func handle(_ message: STUNMessage, from source: SocketAddress) -> Outcome {
        guard message.type == .bindingRequest else { return .ignore }
        // §9.1.3: both are needed for short-term credentials; 400 otherwise.
        guard let username = message.username, message.contains(.messageIntegrity) else {
            return .reject(reply: Self.error(400, "Bad Request", to: message, key: nil), code: 400)
        }
        guard username == "\(local.ufrag):\(remoteUfrag)", message.verifyIntegrity(key: key) else {
            return .reject(reply: Self.error(401, "Unauthenticated", to: message, key: nil), code: 401)
        }
        let unknown = message.unknownRequiredAttributes
        guard unknown.isEmpty else {
            var reply = STUNMessage(type: .bindingError, transactionID: message.transactionID, attributes: [
                .errorCode(420, reason: "Unknown Attribute"), .unknownAttributes(unknown),
            ])
            reply.attributes.append(.software(Self.software))
            return .reject(reply: reply.serialized(integrityKey: key), code: 420)
        }
        // A lite agent is always controlled (§6.1.1): a peer that also thinks it is
        // controlled must switch, which 487 tells it to do (§7.3.1.1).
        if message.contains(.iceControlled) {
            return .reject(reply: Self.error(487, "Role Conflict", to: message, key: key), code: 487)
        }
        let useCandidate = message.contains(.useCandidate)
        if !trusted.contains(source) {
            if trusted.count == Self.maxTrustedAddresses { trusted.removeFirst() }
            trusted.append(source)
        }
        var changed = false
        if selected == nil || (useCandidate && (selected != source || !nominated)) {
            changed = selected != source
            selected = source
            nominated = nominated || useCandidate
        }
        return .accept(reply: Self.success(to: message, from: source, key: key), selected: changed)
    }

    static let software = "Metropole"

    static func success(to request: STUNMessage, from source: SocketAddress, key: [UInt8]) -> ByteBuffer {
        var reply = STUNMessage(type: .bindingSuccess, transactionID: request.transactionID)
        if let address = STUNAddress(source) {
            reply.attributes.append(.xorMappedAddress(address, transactionID: request.transactionID))
        }
        return reply.serialized(integrityKey: key)
    }

    /// An error response; MESSAGE-INTEGRITY only when the request authenticated (§6.3.4).
    static func error(_ code: Int, _ reason: String, to request: STUNMessage, key: [UInt8]?) -> ByteBuffer {
        STUNMessage(type: .bindingError, transactionID: request.transactionID, attributes: [
            .errorCode(code, reason: reason), .software(software),
        ]).serialized(integrityKey: key)
    }
}
