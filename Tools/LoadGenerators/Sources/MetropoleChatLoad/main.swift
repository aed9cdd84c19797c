/// metropole-chat-load: holds N chat sockets on one channel and measures fan-out. The readers
/// are raw epoll sockets and the sender one SwiftNIO socket (no Vapor), so the generator costs
/// far less per delivery than the server it measures.
/// Used by scripts/bench/chat; the end-to-end suite runs it briefly (e2e/test_load_tools.py).
///
///   metropole-chat-load --port 8080 --channel Host --token T --sockets 10000 \
///       [--rate 10] [--latency-seconds 10] [--throughput-seconds 10] [--server-pid PID]
import Foundation
import LoadSupport
import NIOCore
import NIOPosix

let options = LoadOptions.parse(CommandLine.arguments.dropFirst())
FileLimit.raise()
// The idle readers are raw epoll threads; the sender, one socket, runs on one NIO loop.
let readers = RawReaders(threads: options.threads)
let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
let stats = LoadStats(group: group)
let clock = MonotonicClock()

func collect() async -> LoadStats.Summary {
    var summary = await stats.collect()
    readers.collect(into: &summary)
    return summary
}

Output.line("chat load: \(options.sockets) sockets on /\(options.channel) at 127.0.0.1:\(options.port), \(options.threads) threads")
let baseline = ServerMemory.residentBytes(pid: options.serverPID)

// 1. Hold N idle reader sockets (guests), opened a bounded number at a time.
let opened = clock.now
let held = readers.open(count: options.sockets, port: options.port, path: "/api/v1/streams/\(options.channel)/chat",
                        concurrency: 256, timeout: 120)
Output.line(String(format: "held %d sockets (%d failed) in %.1f s", held.greeted, held.failed + held.closed, Double(clock.now - opened) / 1e9))
try await Task.sleep(for: .seconds(2))
if let baseline, let resident = ServerMemory.residentBytes(pid: options.serverPID), held.greeted > 0 {
    let perSocket = Double(resident - baseline) / Double(held.greeted)
    Output.line(String(format: "server RSS: %.1f MiB idle before, %.1f MiB holding them: %.1f KiB per idle socket",
               Double(baseline) / 1_048_576, Double(resident) / 1_048_576, perSocket / 1024))
}

// 2. One signed-in sender.
let sender = try await ChatConnector.openSender(options: options, group: group, stats: stats)

// 3. Latency: a steady 10 messages per second.
stats.reset()
readers.reset()
let latencyStart = clock.now
var sent = 0
while clock.now - latencyStart < UInt64(options.latencySeconds) * 1_000_000_000 {
    sender.send(phase: 1, at: clock.now)
    sent += 1
    let next = latencyStart + UInt64(sent) * UInt64(1e9 / options.rate)
    if next > clock.now { try await Task.sleep(for: .nanoseconds(Int64(next - clock.now))) }
}
try await Task.sleep(for: .seconds(1))
let steady = await collect()
Output.line(steady.report(title: "latency phase (\(options.rate) msg/s for \(options.latencySeconds) s, \(sent) sent)",
                  seconds: Double(options.latencySeconds), expected: sent * (held.greeted + 1)))

// 4. Throughput: as fast as the server keeps up — a window of messages in flight, each
// echo of the sender's own message opening the next slot.
stats.reset()
readers.reset()
let burstStart = clock.now
let burstSent = await sender.flood(phase: 2, seconds: options.throughputSeconds, window: options.window, clock: clock)
try await Task.sleep(for: .seconds(1))
let burst = await collect()
let burstSeconds = Double(clock.now - burstStart) / 1e9 - 1
Output.line(burst.report(title: "throughput phase (\(burstSent) sent in \(options.throughputSeconds) s, window \(options.window))",
                 seconds: burstSeconds, expected: burstSent * (held.greeted + 1)))
Output.line("dropped sockets: \(stats.closedCount() + readers.tally.closed)")
// Thousands of sockets would now close one by one; the process exiting closes them at once.
exit(0)
