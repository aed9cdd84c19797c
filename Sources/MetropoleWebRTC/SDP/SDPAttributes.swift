/// The attributes WebRTC uses, read from a session description (RFC 8839 ICE, RFC 8122
/// fingerprint, RFC 4145/8842 setup, RFC 9143 BUNDLE, RFC 8866 rtpmap/fmtp, RFC 4585 rtcp-fb).

/// `a=fingerprint:<hash> <hex:hex:…>`.
public struct CertificateFingerprint: Sendable, Hashable, CustomStringConvertible {
    /// Lowercase hash function name, e.g. `sha-256`.
    public var algorithm: String
    public var bytes: [UInt8]

    public init(algorithm: String, bytes: [UInt8]) {
        self.algorithm = algorithm.lowercased()
        self.bytes = bytes
    }

    /// Parses the attribute's value; nil when it is not `<name> XX:XX:…`.
    public init?(sdpValue: String) {
        let parts = sdpValue.split(separator: " ", omittingEmptySubsequences: true)
        guard parts.count == 2, !parts[0].isEmpty else { return nil }
        var bytes: [UInt8] = []
        for pair in parts[1].split(separator: ":", omittingEmptySubsequences: false) {
            guard pair.utf8.count == 2, let byte = UInt8(pair, radix: 16) else { return nil }
            bytes.append(byte)
        }
        guard !bytes.isEmpty, bytes.count <= 64 else { return nil }
        self.init(algorithm: String(parts[0]), bytes: bytes)
    }

    /// `sha-256 AB:CD:…`, uppercase as RFC 8122 writes it.
    public var sdpValue: String {
        "\(algorithm) \(bytes.map { $0 < 16 ? "0" + String($0, radix: 16, uppercase: true) : String($0, radix: 16, uppercase: true) }.joined(separator: ":"))"
    }

    public var description: String { sdpValue }
}

/// `a=setup:` (RFC 8842): who opens the DTLS handshake.
public enum DTLSSetup: String, Sendable, Hashable {
    case actpass
    case active
    case passive
    case holdconn
}

/// `a=rtpmap:<pt> <encoding>/<clock>[/<channels>]`.
public struct RTPMap: Sendable, Hashable {
    public var payloadType: UInt8
    public var encoding: String
    public var clockRate: Int
    public var channels: Int?

    public init(payloadType: UInt8, encoding: String, clockRate: Int, channels: Int? = nil) {
        self.payloadType = payloadType
        self.encoding = encoding
        self.clockRate = clockRate
        self.channels = channels
    }

    init?(sdpValue: String) {
        let parts = sdpValue.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, let payloadType = UInt8(parts[0]), payloadType < 128 else { return nil }
        let codec = parts[1].split(separator: "/")
        guard codec.count >= 2, let clockRate = Int(codec[1]), clockRate > 0 else { return nil }
        let channels = codec.count >= 3 ? Int(codec[2]) : nil
        if codec.count >= 3, channels == nil { return nil }
        self.init(payloadType: payloadType, encoding: String(codec[0]), clockRate: clockRate, channels: channels)
    }
}

/// `a=candidate:` (RFC 8839 §5.1), the fields an ICE-lite server can use.
public struct ICECandidate: Sendable, Hashable {
    public var foundation: String
    public var component: Int
    public var transport: String
    public var priority: UInt32
    public var address: String
    public var port: Int
    public var type: String

    init?(sdpValue: String) {
        let fields = sdpValue.split(separator: " ", omittingEmptySubsequences: true)
        guard fields.count >= 8, fields[6] == "typ", let component = Int(fields[1]), let priority = UInt32(fields[3]),
              let port = Int(fields[5]), (0...65535).contains(port) else { return nil }
        foundation = String(fields[0])
        self.component = component
        transport = fields[2].lowercased()
        self.priority = priority
        address = String(fields[4])
        self.port = port
        type = String(fields[7])
    }
}

extension [SDPAttribute] {
    func first(_ name: String) -> SDPAttribute? {
        first { $0.name == name }
    }

    func values(_ name: String) -> [String] {
        compactMap { $0.name == name ? $0.value : nil }
    }

    func has(_ name: String) -> Bool {
        contains { $0.name == name }
    }
}

extension MediaDescription {
    public var mid: String? { attributes.first("mid")?.value }

    /// `sendrecv` when no direction attribute is given (RFC 8866 §6.7).
    public var direction: String {
        attributes.first { ["sendrecv", "sendonly", "recvonly", "inactive"].contains($0.name) }?.name ?? "sendrecv"
    }

    public var rtpMaps: [RTPMap] { attributes.values("rtpmap").compactMap(RTPMap.init(sdpValue:)) }

    /// The `a=fmtp` parameters of `payloadType`, names lowercased (`packetization-mode` → `1`).
    public func formatParameters(_ payloadType: UInt8) -> [String: String] {
        let prefix = "\(payloadType) "
        guard let line = attributes.values("fmtp").first(where: { $0.hasPrefix(prefix) }) else { return [:] }
        var parameters: [String: String] = [:]
        for pair in line.dropFirst(prefix.count).split(separator: ";") {
            let parts = pair.split(separator: "=", maxSplits: 1)
            let name = parts[0].trimmingSpaces.lowercased()
            guard !name.isEmpty else { continue }
            parameters[name] = parts.count == 2 ? parts[1].trimmingSpaces : ""
        }
        return parameters
    }

    /// The `a=rtcp-fb` values for `payloadType`, including `*` lines (e.g. `nack pli`).
    public func feedback(_ payloadType: UInt8) -> [String] {
        attributes.values("rtcp-fb").compactMap { value -> String? in
            let parts = value.split(separator: " ", maxSplits: 1)
            guard parts.count == 2, parts[0] == "*" || parts[0] == "\(payloadType)" else { return nil }
            return parts[1].trimmingSpaces
        }
    }

    /// First SSRC named by `a=ssrc:` (the media source; FID/RTX ones come after it).
    public var ssrc: UInt32? {
        if let group = attributes.values("ssrc-group").first(where: { $0.hasPrefix("FID ") || $0.hasPrefix("SIM ") }),
           let first = group.split(separator: " ").dropFirst().first.flatMap({ UInt32($0) }) {
            return first
        }
        return attributes.values("ssrc").lazy.compactMap { UInt32($0.prefix { $0 != " " }) }.first
    }

    public var candidates: [ICECandidate] { attributes.values("candidate").compactMap(ICECandidate.init(sdpValue:)) }
}

extension Substring {
    var trimmingSpaces: String {
        String(drop { $0 == " " || $0 == "\t" }.reversed().drop { $0 == " " || $0 == "\t" }.reversed())
    }
}
