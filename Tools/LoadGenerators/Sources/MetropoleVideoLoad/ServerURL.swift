import LoadSupport

/// Where a tool connects: `scheme://host:port/path?query` from `--url` (port 80 and path `/`
/// when left out); a URL of another scheme stops the tool with a usage error.
struct ServerURL: Sendable {
    var host: String
    var port: Int
    var path: String

    init(_ url: String, scheme: String) {
        guard url.hasPrefix(scheme + "://") else { Output.fail("--url must start with \(scheme)://") }
        let rest = url.dropFirst(scheme.count + 3)
        let authority = rest.prefix(while: { $0 != "/" })
        let path = rest.dropFirst(authority.count)
        self.path = path.isEmpty ? "/" : String(path)
        let parts = authority.split(separator: ":")
        host = String(parts.first ?? "127.0.0.1")
        port = parts.count > 1 ? Int(parts[1]) ?? 80 : 80
    }

    /// The `Host` header's value.
    var authority: String { port == 80 ? host : "\(host):\(port)" }
}
