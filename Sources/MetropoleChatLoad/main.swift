/// metropole-chat-load: holds N chat sockets on one channel and measures fan-out. Plain
/// SwiftNIO (no Vapor), so the generator is cheaper per socket than the server it measures.
/// Used by scripts/bench/chat; never part of the test command.
///
///   metropole-chat-load --port 8080 --channel Host --token T --sockets 10000 \
///       [--rate 10] [--latency-seconds 10] [--throughput-seconds 10] [--server-pid PID]
import Foundation
import NIOCore
import NIOPosix

let options = LoadOptions.parse(CommandLine.arguments.dropFirst())
FileLimit.raise()
let group = MultiThreadedEventLoopGroup(numberOfThreads: options.threads)
let stats = LoadStats(group: group)
let clock = MonotonicClock()

func say(_ line: String) { FileHandle.standardOutput.write(Data((line + "\n").utf8)) }

say("chat load: \(options.sockets) sockets on /\(options.channel) at 127.0.0.1:\(options.port), \(options.threads) threads")
let baseline = ServerMemory.residentBytes(pid: options.serverPID)

// 1. Hold N idle reader sockets (guests), opened a bounded number at a time.
let opened = clock.now
let readers = try await ChatConnector.open(count: options.sockets, options: options, group: group, stats: stats, concurrency: 256)
say(String(format: "held %d sockets (%d failed) in %.1f s", readers.connected, readers.failed, Double(clock.now - opened) / 1e9))
try await Task.sleep(for: .seconds(2))
if let baseline, let held = ServerMemory.residentBytes(pid: options.serverPID), readers.connected > 0 {
    let perSocket = Double(held - baseline) / Double(readers.connected)
    say(String(format: "server RSS: %.1f MiB idle before, %.1f MiB holding them: %.1f KiB per idle socket",
               Double(baseline) / 1_048_576, Double(held) / 1_048_576, perSocket / 1024))
}

// 2. One signed-in sender.
let sender = try await ChatConnector.openSender(options: options, group: group, stats: stats)

// 3. Latency: a steady 10 messages per second.
stats.reset()
let latencyStart = clock.now
var sent = 0
while clock.now - latencyStart < UInt64(options.latencySeconds) * 1_000_000_000 {
    sender.send(phase: 1, at: clock.now)
    sent += 1
    let next = latencyStart + UInt64(sent) * UInt64(1e9 / options.rate)
    if next > clock.now { try await Task.sleep(for: .nanoseconds(Int64(next - clock.now))) }
}
try await Task.sleep(for: .seconds(1))
let steady = await stats.collect()
say(steady.report(title: "latency phase (\(options.rate) msg/s for \(options.latencySeconds) s, \(sent) sent)",
                  seconds: Double(options.latencySeconds), expected: sent * (readers.connected + 1)))

// 4. Throughput: as fast as the server keeps up — a window of messages in flight, each
// echo of the sender's own message opening the next slot.
stats.reset()
let burstStart = clock.now
let burstSent = await sender.flood(phase: 2, seconds: options.throughputSeconds, window: options.window, clock: clock)
try await Task.sleep(for: .seconds(1))
let burst = await stats.collect()
let burstSeconds = Double(clock.now - burstStart) / 1e9 - 1
say(burst.report(title: "throughput phase (\(burstSent) sent in \(options.throughputSeconds) s, window \(options.window))",
                 seconds: burstSeconds, expected: burstSent * (readers.connected + 1)))
say("dropped sockets: \(stats.closedCount())")
// Thousands of sockets would now close one by one; the process exiting closes them at once.
exit(0)
