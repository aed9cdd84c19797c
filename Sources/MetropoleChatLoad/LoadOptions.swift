import Foundation

struct LoadOptions: Sendable {
    var port = 8080
    var channel = "bench"
    var token = ""
    var sockets = 1000
    var rate = 10.0
    var latencySeconds = 10
    var throughputSeconds = 10
    var window = 64
    var threads = 2
    var serverPID: Int32?

    static func parse(_ arguments: ArraySlice<String>) -> LoadOptions {
        var options = LoadOptions()
        var iterator = arguments.makeIterator()
        while let name = iterator.next() {
            guard let value = iterator.next() else { fail("\(name) needs a value") }
            switch name {
            case "--port": options.port = number(value, name)
            case "--channel": options.channel = value
            case "--token": options.token = value
            case "--sockets": options.sockets = number(value, name)
            case "--rate": options.rate = Double(number(value, name))
            case "--latency-seconds": options.latencySeconds = number(value, name)
            case "--throughput-seconds": options.throughputSeconds = number(value, name)
            case "--window": options.window = number(value, name)
            case "--threads": options.threads = number(value, name)
            case "--server-pid": options.serverPID = Int32(number(value, name))
            default: fail("unknown option \(name)")
            }
        }
        if options.token.isEmpty { fail("--token (the sender's API token) is required") }
        return options
    }

    private static func number(_ value: String, _ name: String) -> Int {
        guard let parsed = Int(value), parsed > 0 else { fail("\(name): \"\(value)\" is not a positive number") }
        return parsed
    }

    static func fail(_ message: String) -> Never {
        FileHandle.standardError.write(Data("metropole-chat-load: \(message)\n".utf8))
        exit(2)
    }
}

/// Monotonic nanoseconds, shared by the sender and every reader in this process.
struct MonotonicClock: Sendable {
    var now: UInt64 { DispatchTime.now().uptimeNanoseconds }
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

enum FileLimit {
    static func raise() {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return }
        limit.rlim_cur = limit.rlim_max
        _ = setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
    }
}
