import Foundation
import LoadSupport

/// What one run does: `--name value` options, all but `--token` with defaults.
struct LoadOptions: Sendable {
    var port: Int
    var channel: String
    /// The sender's API token: the sender must be signed in to post.
    var token: String
    var sockets: Int
    var rate: Double
    var latencySeconds: Int
    var throughputSeconds: Int
    /// Messages the sender keeps in flight in the throughput phase.
    var window: Int
    /// Raw reader threads.
    var threads: Int
    /// The server's process id, to read its resident memory per idle socket.
    var serverPID: Int32?

    static func parse(_ arguments: ArraySlice<String>) -> LoadOptions {
        var options = Options(arguments)
        let parsed = LoadOptions(
            port: options.positiveInt("port", default: 8080),
            channel: options.string("channel", default: "bench"),
            token: options.string("token"),
            sockets: options.positiveInt("sockets", default: 1000),
            rate: Double(options.positiveInt("rate", default: 10)),
            latencySeconds: options.positiveInt("latency-seconds", default: 10),
            throughputSeconds: options.positiveInt("throughput-seconds", default: 10),
            window: options.positiveInt("window", default: 64),
            threads: options.positiveInt("threads", default: 2),
            serverPID: options.optionalInt("server-pid").map { Int32(clamping: $0) }
        )
        options.finish()
        return parsed
    }
}

enum ServerMemory {
    /// VmRSS of a process from /proc, in bytes.
    static func residentBytes(pid: Int32?) -> Int? {
        guard let pid, let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return nil }
        for line in status.split(separator: "\n") where line.hasPrefix("VmRSS:") {
            let kilobytes = line.split(separator: " ").compactMap { Int($0) }.first
            return kilobytes.map { $0 * 1024 }
        }
        return nil
    }
}

/// Ten thousand sockets need more descriptors than the usual soft limit (1024): take the hard one.
enum FileLimit {
    static func raise() {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return }
        limit.rlim_cur = limit.rlim_max
        _ = setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
    }
}
