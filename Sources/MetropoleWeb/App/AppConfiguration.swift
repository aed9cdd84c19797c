/// MetropoleWeb is the Vapor application: configuration, Fluent models and migrations, domain
/// services, controllers, Plot views, chat and playback routes. Protocol code lives in
/// MetropoleRTMP and MetropoleMedia; this module only glues them to the web.
import Foundation

/// Everything the process reads from its environment, validated before anything starts.
public struct AppConfiguration: Sendable, Equatable {
    public var httpHost: String
    public var httpPort: Int
    /// `nil` when RTMP ingest is disabled (`METROPOLE_RTMP_PORT=0`).
    public var rtmpPort: Int?
    public var rtmpHost: String
    public var dataDirectory: URL
    public var database: DatabaseLocation
    public var publicURL: URL
    /// Bcrypt work factor for new password hashes (`METROPOLE_BCRYPT_COST`, 4–31, default 12).
    public var bcryptCost: Int
    /// WHIP ingest: the UDP port (`METROPOLE_WEBRTC_UDP_PORT`, default 8189; nil when `0`
    /// disables WHIP), the bind address (`METROPOLE_WEBRTC_HOST`, default the HTTP host) and the
    /// address put in answers' candidates (`METROPOLE_WEBRTC_PUBLIC_IP`, default the bind address).
    public var webRTCPort: Int? = 8189
    public var webRTCHost = "127.0.0.1"
    public var webRTCPublicIP: String? = nil
    /// How long a WHIP publisher may stay silent before its stream ends (RFC 7675 consent;
    /// `METROPOLE_WEBRTC_CONSENT_SECONDS`, 30).
    public var webRTCConsentSeconds = 30
    /// How often a live stream's card picture is taken from its video, in seconds
    /// (`METROPOLE_LIVE_THUMBNAIL_SECONDS`, 0–86400, default 60; 0 turns live thumbnails off).
    public var liveThumbnailSeconds = 60
    /// The Bearer token `GET /metrics` requires (`METROPOLE_METRICS_TOKEN`); nil: /metrics is 404.
    public var metricsToken: String? = nil
    /// `LOG_FORMAT`: `text` (Vapor's console lines) or `json` (one object per line).
    public var logFormat: LogFormat = .text
    /// The streaming providers besides the built-in engine (`METROPOLE_PROVIDERS_FILE`).
    var providers: [ProviderDefinition] = []
    /// Chat messages per 30 s for viewers and streamers (`METROPOLE_CHAT_RATE_LIMIT`).
    var chatRateLimits = ChatRateLimits()
    /// How long a WebSocket may stay silent before it is pinged (`METROPOLE_WEBSOCKET_PING_SECONDS`).
    var webSocketKeepalive = WebSocketKeepalive()
    /// User-sync webhook, OpenID Connect sign-in, password sign-up (`IdentityConfiguration`).
    var identity = IdentityConfiguration()
    /// Outbound webhooks: private destinations allowed (`METROPOLE_WEBHOOKS_ALLOW_PRIVATE=1`),
    /// the retry schedule (`METROPOLE_WEBHOOKS_RETRY_SECONDS` is its first wait) and the
    /// operator's site-wide endpoints (`METROPOLE_SITE_WEBHOOKS_FILE`).
    var webhooksAllowPrivate = false
    var webhookRetry = WebhookRetryPolicy()
    var siteWebhooks: [SiteWebhook] = []
    /// How long and how much recordings are kept (`METROPOLE_VOD_RETENTION_DAYS`, `METROPOLE_VOD_MAX_GB`).
    var recordingRetention = RecordingRetention()
    /// What this node does (`METROPOLE_ROLE`, default `all`); see `NodeRole`.
    public var role: NodeRole = .all
    /// Where players and CDNs reach this node (`METROPOLE_NODE_URL`, default the public URL):
    /// playback URLs of streams held here name it.
    public var nodeURL: URL
    /// Live streams this node takes before it refuses publishers (`METROPOLE_NODE_CAPACITY`).
    public var nodeCapacity = 400

    /// A configuration value that cannot be used; `description` is the one line start-up prints.
    public struct Error: Swift.Error, Equatable, CustomStringConvertible {
        public var variable: String
        public var problem: String
        public var description: String { "\(variable): \(problem)" }
    }

    /// Reads and validates every variable of the contract's "Running" table.
    public static func load(from environment: [String: String]) throws(Error) -> AppConfiguration {
        func value(_ name: String) -> String? {
            guard let raw = environment[name]?.trimmingCharacters(in: .whitespaces), !raw.isEmpty else { return nil }
            return raw
        }
        func port(_ name: String, default fallback: Int, allowZero: Bool) throws(Error) -> Int {
            guard let raw = value(name) else { return fallback }
            guard let number = Int(raw), number >= (allowZero ? 0 : 1), number <= 65535 else {
                throw Error(variable: name, problem: "\"\(raw)\" is not a port number (\(allowZero ? 0 : 1)–65535)")
            }
            return number
        }
        func host(_ name: String, default fallback: String) throws(Error) -> String {
            guard let raw = value(name) else { return fallback }
            guard raw.allSatisfy({ $0.isLetter || $0.isNumber || ".-:_[]".contains($0) }) else {
                throw Error(variable: name, problem: "\"\(raw)\" is not a host name or address")
            }
            return raw
        }

        let httpHost = try host("METROPOLE_HTTP_HOST", default: "127.0.0.1")
        let httpPort = try port("METROPOLE_HTTP_PORT", default: 8080, allowZero: false)
        let rtmpPort = try port("METROPOLE_RTMP_PORT", default: 1935, allowZero: true)
        let rtmpHost = try host("METROPOLE_RTMP_HOST", default: httpHost)

        let dataPath = value("METROPOLE_DATA_DIR") ?? "./data"
        let dataDirectory = URL(fileURLWithPath: dataPath, isDirectory: true).standardizedFileURL
        do {
            try FileManager.default.createDirectory(at: dataDirectory, withIntermediateDirectories: true)
        } catch {
            throw Error(variable: "METROPOLE_DATA_DIR", problem: "cannot create \(dataDirectory.path): \(error.localizedDescription)")
        }
        guard FileManager.default.isWritableFile(atPath: dataDirectory.path) else {
            throw Error(variable: "METROPOLE_DATA_DIR", problem: "\(dataDirectory.path) is not writable")
        }

        let database: DatabaseLocation
        if let raw = value("DATABASE_URL") {
            do { database = try DatabaseLocation(parsing: raw) } catch {
                throw Error(variable: "DATABASE_URL", problem: error.description)
            }
        } else {
            database = .sqlite(path: dataDirectory.appendingPathComponent("metropole.sqlite").path)
        }

        let publicURL: URL
        if let raw = value("METROPOLE_PUBLIC_URL") {
            guard let url = URL(string: raw), let scheme = url.scheme?.lowercased(), ["http", "https"].contains(scheme),
                  let host = url.host, !host.isEmpty
            else {
                throw Error(variable: "METROPOLE_PUBLIC_URL", problem: "\"\(raw)\" is not an absolute http(s) URL")
            }
            publicURL = URL(string: raw.hasSuffix("/") ? String(raw.dropLast()) : raw) ?? url
        } else {
            let shownHost = httpHost == "0.0.0.0" || httpHost == "::" ? "127.0.0.1" : httpHost
            let bracketed = shownHost.contains(":") && !shownHost.hasPrefix("[") ? "[\(shownHost)]" : shownHost
            publicURL = URL(string: "http://\(bracketed):\(httpPort)")!
        }

        var bcryptCost = 12
        if let raw = value("METROPOLE_BCRYPT_COST") {
            guard let cost = Int(raw), (4...31).contains(cost) else {
                throw Error(variable: "METROPOLE_BCRYPT_COST", problem: "\"\(raw)\" is not a bcrypt cost (4–31)")
            }
            bcryptCost = cost
        }

        var configuration = AppConfiguration(
            httpHost: httpHost, httpPort: httpPort, rtmpPort: rtmpPort == 0 ? nil : rtmpPort, rtmpHost: rtmpHost,
            dataDirectory: dataDirectory, database: database, publicURL: publicURL, bcryptCost: bcryptCost,
            nodeURL: publicURL
        )

        if let raw = value(NodeRole.variable) {
            guard let role = NodeRole(rawValue: raw.lowercased()) else {
                throw Error(variable: NodeRole.variable, problem: "\"\(raw)\" is not all, web or ingest")
            }
            if case .sqlite = database, role != .all {
                throw Error(variable: NodeRole.variable,
                            problem: "\(role.rawValue) needs a database every node shares: set DATABASE_URL to mysql://… or postgres://… (SQLite serves one node, role all)")
            }
            configuration.role = role
        }
        if let raw = value("METROPOLE_NODE_URL") {
            guard let url = URL(string: raw.hasSuffix("/") ? String(raw.dropLast()) : raw), let scheme = url.scheme?.lowercased(),
                  ["http", "https"].contains(scheme), let host = url.host, !host.isEmpty, url.path.isEmpty
            else {
                throw Error(variable: "METROPOLE_NODE_URL", problem: "\"\(raw)\" is not an absolute http(s) URL without a path")
            }
            configuration.nodeURL = url
        }
        if let raw = value("METROPOLE_NODE_CAPACITY") {
            guard let streams = Int(raw), (1...100_000).contains(streams) else {
                throw Error(variable: "METROPOLE_NODE_CAPACITY", problem: "\"\(raw)\" is not a number of live streams from 1 to 100000")
            }
            configuration.nodeCapacity = streams
        }

        if let raw = value(ChatRateLimits.variable) {
            let parts = raw.split(separator: "/", omittingEmptySubsequences: false).map { Int($0.trimmingCharacters(in: .whitespaces)) }
            guard parts.count == 2, let viewer = parts[0], let streamer = parts[1], viewer >= 1, streamer >= 1 else {
                throw Error(variable: ChatRateLimits.variable, problem: "\"\(raw)\" is not <viewer>/<streamer> messages per 30 s, e.g. 20/100")
            }
            configuration.chatRateLimits.viewer = viewer
            configuration.chatRateLimits.streamer = streamer
        }

        let webRTCPort = try port("METROPOLE_WEBRTC_UDP_PORT", default: 8189, allowZero: true)
        configuration.webRTCPort = webRTCPort == 0 ? nil : webRTCPort
        configuration.webRTCHost = try host("METROPOLE_WEBRTC_HOST", default: httpHost)
        if let raw = value("METROPOLE_WEBRTC_PUBLIC_IP") {
            guard Self.isIPAddress(raw) else {
                throw Error(variable: "METROPOLE_WEBRTC_PUBLIC_IP", problem: "\"\(raw)\" is not an IPv4 or IPv6 address")
            }
            configuration.webRTCPublicIP = raw
        } else if configuration.webRTCPort != nil, ["0.0.0.0", "::"].contains(configuration.webRTCHost) {
            throw Error(variable: "METROPOLE_WEBRTC_PUBLIC_IP",
                        problem: "WHIP binds every address (\(configuration.webRTCHost)); name the one publishers reach, or set METROPOLE_WEBRTC_UDP_PORT=0")
        }
        if let raw = value("METROPOLE_WEBRTC_CONSENT_SECONDS") {
            guard let seconds = Int(raw), (1...300).contains(seconds) else {
                throw Error(variable: "METROPOLE_WEBRTC_CONSENT_SECONDS", problem: "\"\(raw)\" is not a number of seconds from 1 to 300")
            }
            configuration.webRTCConsentSeconds = seconds
        }

        if let raw = value("METROPOLE_LIVE_THUMBNAIL_SECONDS") {
            guard let seconds = Int(raw), (0...86_400).contains(seconds) else {
                throw Error(variable: "METROPOLE_LIVE_THUMBNAIL_SECONDS", problem: "\"\(raw)\" is not a number of seconds from 0 (off) to 86400")
            }
            configuration.liveThumbnailSeconds = seconds
        }

        if let token = value("METROPOLE_METRICS_TOKEN") {
            guard token.count >= 16, token.utf8.count <= 256, token.allSatisfy({ $0.isASCII && !$0.isWhitespace }) else {
                throw Error(variable: "METROPOLE_METRICS_TOKEN", problem: "use 16–256 printable ASCII characters without spaces")
            }
            configuration.metricsToken = token
        }
        if let raw = value("LOG_FORMAT") {
            guard let format = LogFormat(rawValue: raw.lowercased()) else {
                throw Error(variable: "LOG_FORMAT", problem: "\"\(raw)\" is not text or json")
            }
            configuration.logFormat = format
        }

        if let path = value("METROPOLE_PROVIDERS_FILE") {
            configuration.providers = try ProvidersFile.load(path: path)
        }

        if let raw = value("METROPOLE_WEBHOOKS_ALLOW_PRIVATE") {
            guard ["0", "1", "true", "false"].contains(raw.lowercased()) else {
                throw Error(variable: "METROPOLE_WEBHOOKS_ALLOW_PRIVATE", problem: "\"\(raw)\" is not 0 or 1")
            }
            configuration.webhooksAllowPrivate = raw == "1" || raw.lowercased() == "true"
        }
        if let raw = value("METROPOLE_WEBHOOKS_RETRY_SECONDS") {
            guard let seconds = Double(raw), seconds >= 0.1, seconds <= 3600 else {
                throw Error(variable: "METROPOLE_WEBHOOKS_RETRY_SECONDS", problem: "\"\(raw)\" is not a number of seconds from 0.1 to 3600")
            }
            configuration.webhookRetry.first = seconds
        }
        if let path = value(SiteWebhooksFile.variable) {
            configuration.siteWebhooks = try SiteWebhooksFile.load(path: path)
        }

        // The chat's name for it came first; it is still read.
        for name in [WebSocketKeepalive.variable, WebSocketKeepalive.formerVariable] {
            guard let raw = value(name) else { continue }
            guard let seconds = Int64(raw), (1...3600).contains(seconds) else {
                throw Error(variable: name, problem: "\"\(raw)\" is not a number of seconds from 1 to 3600")
            }
            configuration.webSocketKeepalive.interval = .seconds(seconds)
            break
        }
        configuration.identity = try IdentityConfiguration.load(value)
        configuration.recordingRetention = try RecordingRetention.load(value)
        return configuration
    }

    static func isIPAddress(_ text: String) -> Bool {
        var v4 = in_addr(), v6 = in6_addr()
        return inet_pton(AF_INET, text, &v4) == 1 || inet_pton(AF_INET6, text, &v6) == 1
    }

    /// Whether browsers will keep a `Secure` cookie for this site: HTTPS, or a loopback host,
    /// which browsers treat as a secure context. On plain HTTP elsewhere a Secure cookie would
    /// be dropped silently and nobody could sign in.
    public var cookiesAreSecure: Bool {
        if publicURL.scheme?.lowercased() == "https" { return true }
        let host = publicURL.host?.lowercased() ?? ""
        return host == "localhost" || host.hasPrefix("127.") || host == "::1" || host == "[::1]"
    }
}
