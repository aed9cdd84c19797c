import Foundation
import TOMLKit

/// One streaming provider the operator declared in `METROPOLE_PROVIDERS_FILE`: which media
/// server, where creators publish, where viewers play, how to reach its API and the secret its
/// hooks prove themselves with. The built-in engine needs no entry.
struct ProviderDefinition: Codable, Sendable, Equatable {
    enum Kind: String, Codable, Sendable, CaseIterable {
        case builtin
        case nginxRTMP = "nginx-rtmp"
        case mediamtx
        case srs
        case livekit
    }

    /// Publish URLs, as encoders are given them. `{username}` is replaced by the channel's name.
    struct Ingest: Codable, Sendable, Equatable {
        var rtmp: String?
        var whip: String?
    }

    /// Where viewers play a live channel: an HLS (or LL-HLS) URL template with `{username}`.
    struct Playback: Codable, Sendable, Equatable {
        var hls: String?
    }

    /// The media server's control API: nginx-rtmp's `rtmp_control` location, MediaMTX's
    /// `apiAddress`, SRS's HTTP API, LiveKit's server URL with its API key and secret.
    struct API: Codable, Sendable, Equatable {
        var url: String
        var key: String?
        var secret: String?
    }

    var id: String
    var kind: Kind
    var name: String
    var ingest: Ingest?
    var playback: Playback?
    var api: API?
    /// What the media server's hooks carry to prove they are its own (a URL token for servers
    /// that cannot sign; LiveKit signs with `api.secret`).
    var secret: String?
    /// How often the server reports a live stream (nginx-rtmp's `on_update`) or Metropole asks
    /// its API (MediaMTX, SRS); a stream not heard of for two of these is taken offline.
    var updateSeconds: Int?

    static let builtin = ProviderDefinition(id: "builtin", kind: .builtin, name: "Metropole")

    init(id: String, kind: Kind, name: String, ingest: Ingest? = nil, playback: Playback? = nil, api: API? = nil,
         secret: String? = nil, updateSeconds: Int? = nil) {
        (self.id, self.kind, self.name, self.ingest, self.playback, self.api, self.secret, self.updateSeconds)
            = (id, kind, name, ingest, playback, api, secret, updateSeconds)
    }

    var interval: TimeInterval { TimeInterval(updateSeconds ?? 10) }

    /// What is wrong with this entry, in words an operator can act on; nil when it is usable.
    func problem() -> String? {
        guard id.count <= 32, !id.isEmpty, id.allSatisfy({ $0.isLowercase || $0.isNumber || $0 == "-" }), id.first?.isLetter == true
        else { return "id \"\(id)\" must be 1–32 of a-z, 0-9 and -, starting with a letter" }
        guard kind != .builtin else { return "\(id): the built-in engine needs no entry" }
        guard !name.trimmingCharacters(in: .whitespaces).isEmpty else { return "\(id): name is empty" }
        guard ingest?.rtmp != nil || ingest?.whip != nil else { return "\(id): ingest needs an rtmp or whip URL" }
        for (field, value) in [("ingest.rtmp", ingest?.rtmp), ("ingest.whip", ingest?.whip), ("playback.hls", playback?.hls),
                               ("api.url", api?.url)] {
            guard let value else { continue }
            let template = value.replacingOccurrences(of: "{username}", with: "x")
            guard let url = URL(string: template), let scheme = url.scheme, url.host != nil,
                  ["rtmp", "rtmps", "http", "https"].contains(scheme.lowercased()) else {
                return "\(id): \(field) \"\(value)\" is not an absolute URL"
            }
        }
        if let updateSeconds, !(2...300).contains(updateSeconds) { return "\(id): updateSeconds must be 2–300" }
        switch kind {
        case .livekit:
            guard api?.key != nil, (api?.secret?.count ?? 0) >= 32 else {
                return "\(id): a livekit provider needs api.url, api.key and an api.secret of at least 32 characters"
            }
            guard playback?.hls != nil else { return "\(id): playback.hls is needed so viewers can watch (LiveKit egress to HLS)" }
        case .nginxRTMP, .mediamtx, .srs:
            guard (secret?.count ?? 0) >= 24 else { return "\(id): secret must be at least 24 characters (its hooks carry it)" }
            guard playback?.hls != nil else { return "\(id): playback.hls is needed so viewers can watch" }
            if kind != .nginxRTMP, api == nil { return "\(id): api.url is needed to follow live status and cut publishers off" }
        case .builtin:
            break
        }
        return nil
    }
}

/// `METROPOLE_PROVIDERS_FILE`: `{"providers": [...]}` in JSON, or `[[providers]]` tables in
/// TOML (by the file's extension).
struct ProvidersFile: Codable, Sendable, Equatable {
    var providers: [ProviderDefinition]

    static func load(path: String) throws(AppConfiguration.Error) -> [ProviderDefinition] {
        func failure(_ problem: String) -> AppConfiguration.Error {
            AppConfiguration.Error(variable: "METROPOLE_PROVIDERS_FILE", problem: problem)
        }
        guard let data = FileManager.default.contents(atPath: path) else { throw failure("cannot read \(path)") }
        let file: ProvidersFile
        do {
            if path.lowercased().hasSuffix(".toml") {
                file = try TOMLDecoder().decode(ProvidersFile.self, from: String(decoding: data, as: UTF8.self))
            } else {
                file = try JSONDecoder().decode(ProvidersFile.self, from: data)
            }
        } catch {
            throw failure("\(path) is not a providers file: \(Self.describe(error))")
        }
        var seen = Set<String>()
        for provider in file.providers {
            if let problem = provider.problem() { throw failure("\(path): \(problem)") }
            guard seen.insert(provider.id).inserted else { throw failure("\(path): id \"\(provider.id)\" is used twice") }
        }
        return file.providers
    }

    private static func describe(_ error: any Error) -> String {
        switch error {
        case DecodingError.keyNotFound(let key, let context):
            "\(path(context.codingPath + [key])) is missing"
        case DecodingError.typeMismatch(_, let context), DecodingError.valueNotFound(_, let context),
             DecodingError.dataCorrupted(let context):
            "\(path(context.codingPath)): \(context.debugDescription)"
        default:
            "\(error)"
        }
    }

    private static func path(_ keys: [any CodingKey]) -> String {
        keys.map { $0.intValue.map { "[\($0)]" } ?? "." + $0.stringValue }.joined().trimmingCharacters(in: CharacterSet(charactersIn: "."))
    }
}
