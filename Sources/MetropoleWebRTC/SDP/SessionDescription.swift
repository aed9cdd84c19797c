/// An SDP session description (RFC 8866) as lines: session-level fields and attributes, then
/// one section per `m=` line. Values are kept as text; `SDPAttributes.swift` reads the ones
/// WebRTC uses. Parsing is lenient where RFC 8866 lets receivers be (unknown line types and
/// attributes are kept or ignored) and strict where an answer would otherwise be wrong.
public struct SessionDescription: Sendable, Equatable {
    /// Largest offer accepted: real offers are 1–6 KB; this bounds the work for hostile ones.
    public static let maximumLength = 64 * 1024

    public var origin: String?
    public var sessionName: String?
    public var attributes: [SDPAttribute]
    public var media: [MediaDescription]

    public init(origin: String? = nil, sessionName: String? = nil, attributes: [SDPAttribute] = [], media: [MediaDescription] = []) {
        self.origin = origin
        self.sessionName = sessionName
        self.attributes = attributes
        self.media = media
    }

    /// Parses SDP text with CRLF or bare LF line ends.
    public static func parse(_ text: String) throws(SDPError) -> SessionDescription {
        guard text.utf8.count <= maximumLength else {
            throw .malformed("the offer is \(text.utf8.count) bytes; at most \(maximumLength) are accepted")
        }
        var description = SessionDescription()
        var sawVersion = false
        var lineNumber = 0
        for rawLine in text.split(omittingEmptySubsequences: true, whereSeparator: { $0 == "\n" || $0 == "\r\n" }) {
            lineNumber += 1
            let line = rawLine.hasSuffix("\r") ? rawLine.dropLast() : rawLine[...]
            if line.isEmpty { continue }
            let utf8 = line.utf8
            guard utf8.count >= 2, utf8[utf8.index(after: utf8.startIndex)] == UInt8(ascii: "="),
                  let type = line.first, type.isASCII, type.isLetter else {
                throw .malformed("line \(lineNumber) is not <type>=<value>: \(line.prefix(40))")
            }
            let value = String(line.dropFirst(2))
            if !sawVersion {
                guard type == "v", value == "0" else { throw .malformed("the first line must be v=0") }
                sawVersion = true
                continue
            }
            switch type {
            case "m":
                description.media.append(try MediaDescription(mediaLine: value, lineNumber: lineNumber))
            case "a":
                let attribute = SDPAttribute(line: value)
                if description.media.isEmpty {
                    description.attributes.append(attribute)
                } else {
                    description.media[description.media.count - 1].attributes.append(attribute)
                }
            case "c" where !description.media.isEmpty:
                description.media[description.media.count - 1].connection = value
            case "o" where description.media.isEmpty:
                description.origin = value
            case "s" where description.media.isEmpty:
                description.sessionName = value
            case "v":
                throw .malformed("a second v= line at line \(lineNumber)")
            default:
                // b=, t=, c= at session level, i=, k=...: nothing an ingest answer depends on.
                break
            }
        }
        guard sawVersion else { throw .malformed("the offer is empty") }
        return description
    }
}

/// One `a=` line: `name` or `name:value`.
public struct SDPAttribute: Sendable, Equatable {
    public var name: String
    public var value: String?

    public init(name: String, value: String? = nil) {
        self.name = name
        self.value = value
    }

    init(line: String) {
        if let colon = line.firstIndex(of: ":") {
            name = String(line[..<colon])
            value = String(line[line.index(after: colon)...])
        } else {
            name = line
            value = nil
        }
    }
}

/// One media section: its `m=` line, `c=` and attributes.
public struct MediaDescription: Sendable, Equatable {
    /// `audio`, `video`, `application`...
    public var kind: String
    public var port: Int
    /// E.g. `UDP/TLS/RTP/SAVPF`.
    public var transport: String
    /// Payload types for RTP, as text.
    public var formats: [String]
    public var connection: String?
    public var attributes: [SDPAttribute]

    public init(kind: String, port: Int, transport: String, formats: [String], connection: String? = nil, attributes: [SDPAttribute] = []) {
        self.kind = kind
        self.port = port
        self.transport = transport
        self.formats = formats
        self.connection = connection
        self.attributes = attributes
    }

    init(mediaLine: String, lineNumber: Int) throws(SDPError) {
        let fields = mediaLine.split(separator: " ", omittingEmptySubsequences: true)
        guard fields.count >= 3 else { throw .malformed("m= line \(lineNumber) needs media, port and transport: \(mediaLine.prefix(60))") }
        // `port/count` is allowed by RFC 8866; only the port matters here.
        let portField = fields[1].split(separator: "/", maxSplits: 1).first ?? fields[1]
        guard let port = Int(portField), (0...65535).contains(port) else {
            throw .malformed("m= line \(lineNumber) has port \(fields[1].prefix(12))")
        }
        self.init(kind: String(fields[0]), port: port, transport: String(fields[2]), formats: fields.dropFirst(3).map(String.init))
    }
}
