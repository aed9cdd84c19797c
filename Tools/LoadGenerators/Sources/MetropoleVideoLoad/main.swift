import LoadSupport
import NIOCore
import NIOPosix

/// metropole-video-load: the load side of `scripts/bench/`.
///
///   viewers     N WebSocket viewers of one live stream: connect, settle, measure a window,
///               close; JSON lines on stdout (`connected`, `measure-start`, `measure-end`,
///               `summary`), optionally a log of fragment arrival times for latency.
///   llhls       N LL-HLS readers of one playlist (blocking reloads, then each new part) for a
///               while; a `summary` JSON line with how far behind live the parts arrived.
///   rtmp-proxy  relays a publisher to the RTMP server and notes when each media message arrived;
///               writes the log when its standard input closes.
///
/// Runs on few threads (`--threads`, default 1) so it can be pinned to one core.
let arguments = CommandLine.arguments
guard arguments.count >= 2 else {
    Output.fail("usage: metropole-video-load viewers --url ws://… --viewers N [--settle S] [--measure S] "
        + "[--concurrency C] [--latency-viewers K --latency-log FILE] [--wait-stdin 1] [--threads T]\n"
        + "       metropole-video-load llhls --url http://… --readers N --seconds S [--stagger-ms M] [--threads T]\n"
        + "       metropole-video-load rtmp-proxy --listen PORT --target PORT --arrival-log FILE")
}
var options = Options(arguments.dropFirst(2))
let threads = options.int("threads", default: 1)
let group = MultiThreadedEventLoopGroup(numberOfThreads: max(1, threads))

switch arguments[1] {
case "viewers":
    let target = ServerURL(options.string("url"), scheme: "ws")
    let count = options.int("viewers")
    let concurrency = options.int("concurrency", default: 32)
    let settle = options.double("settle", default: 3)
    let measure = options.double("measure", default: 20)
    let latencyViewers = options.int("latency-viewers", default: 0)
    let latencyLog = options.optionalString("latency-log")
    let awaitsGoAhead = options.int("wait-stdin", default: 0) != 0
    options.finish()
    try await runViewers(
        group: group, target: target, count: count, concurrency: concurrency, settle: settle, measure: measure,
        latencyViewers: latencyViewers, latencyLog: latencyLog, awaitsGoAhead: awaitsGoAhead
    )
case "llhls":
    let url = ServerURL(options.string("url"), scheme: "http")
    let readers = options.positiveInt("readers")
    let seconds = options.double("seconds", default: 30)
    let stagger = options.int("stagger-ms", default: 5)
    options.finish()
    let outcomes = await LLHLSReader.readAll(
        url: url, count: readers, seconds: seconds, stagger: .milliseconds(Int64(stagger)), group: group
    )
    reportReading(outcomes)
case "rtmp-proxy":
    let listen = options.int("listen")
    let targetPort = options.int("target")
    let log = options.string("arrival-log")
    options.finish()
    let proxy = RTMPTimingProxy(group: group, targetHost: "127.0.0.1", targetPort: targetPort)
    try await proxy.start(host: "127.0.0.1", port: listen)
    Output.event(["event": Output.json("proxy-ready")])
    while readLine() != nil {} // the relay runs on NIO's threads until the script closes stdin
    let lines = proxy.arrivals.withLockedValue { $0 }.map { "\($0.isVideo ? 1 : 0) \($0.timestamp) \($0.wallNanoseconds)" }
    guard Output.writeLines(lines, to: log) else { Output.fail("cannot write \(log)") }
    Output.event(["event": Output.json("proxy-done"), "messages": "\(lines.count)"])
default:
    Output.fail("unknown command \(arguments[1]); use viewers, llhls or rtmp-proxy")
}
try await group.shutdownGracefully()

func runViewers(
    group: any EventLoopGroup, target: ServerURL, count: Int, concurrency: Int, settle: Double, measure: Double,
    latencyViewers: Int, latencyLog: String?, awaitsGoAhead: Bool
) async throws {
    let crowd = ViewerCrowd(group: group, target: target)
    let connectStarted = RealtimeClock.nanoseconds()
    let viewers = await crowd.connect(count: count, concurrency: concurrency, latencyViewers: latencyViewers)
    let connected = viewers.filter { $0.channel != nil }.count
    let failures = viewers.compactMap(\.connectFailure)
    Output.event([
        "event": Output.json("connected"), "viewers": "\(connected)", "failed": "\(failures.count)",
        "seconds": "\(Double(RealtimeClock.nanoseconds() - connectStarted) / 1e9)",
    ])
    try await Task.sleep(for: .milliseconds(Int(settle * 1000)))

    let before = await crowd.snapshot(viewers, reset: true)
    let windowStart = RealtimeClock.nanoseconds()
    Output.event(["event": Output.json("measure-start"), "wallNanoseconds": "\(windowStart)"])
    try await Task.sleep(for: .milliseconds(Int(measure * 1000)))
    let after = await crowd.snapshot(viewers, reset: false)
    let windowEnd = RealtimeClock.nanoseconds()
    Output.event(["event": Output.json("measure-end"), "wallNanoseconds": "\(windowEnd)"])
    // The script samples the server after the window; closing now would race with it.
    if awaitsGoAhead { _ = readLine() }

    var bytes: [Int] = []
    var messages: [Int] = []
    var gaps: [Int] = []
    var closedInWindow = 0
    var stalled = 0
    var closeCodes: [Int] = []
    var viewerFailures: [String] = []
    for (start, end) in zip(before, after) {
        guard let start, let end else { continue }
        bytes.append(end.bytes - start.bytes)
        messages.append(end.messages - start.messages)
        // The gap still open at the window's end counts too: a viewer that stopped receiving.
        let openGap = end.lastMessageAt.map { windowEnd - $0 } ?? (windowEnd - windowStart)
        let gap = max(end.maxGap, openGap)
        gaps.append(Int(gap / 1_000_000))
        if end.isClosed { closedInWindow += 1 }
        if let code = end.closeCode { closeCodes.append(code) }
        if let failure = end.failure { viewerFailures.append(failure) }
        if end.messages == start.messages || gap > 2_000_000_000 { stalled += 1 }
    }
    let latency = latencyLog != nil ? await crowd.latencyLines(viewers) : []
    await crowd.closeAll(viewers)
    if let latencyLog, !Output.writeLines(latency, to: latencyLog) { Output.fail("cannot write \(latencyLog)") }

    let seconds = Double(windowEnd - windowStart) / 1e9
    let totalBytes = bytes.reduce(0, +)
    Output.event([
        "event": Output.json("summary"),
        "viewers": "\(count)", "connected": "\(connected)", "connectFailures": "\(failures.count)",
        "firstFailure": Output.json(failures.first ?? ""),
        "windowSeconds": "\(seconds)",
        "bytes": "\(totalBytes)",
        "messages": "\(messages.reduce(0, +))",
        "gbps": "\(Double(totalBytes) * 8 / seconds / 1e9)",
        "viewerBytesMin": "\(bytes.min() ?? 0)", "viewerBytesMedian": "\(bytes.percentile(0.5) ?? 0)",
        "viewerBytesMax": "\(bytes.max() ?? 0)",
        "viewerMessagesMin": "\(messages.min() ?? 0)",
        "maxGapMsMedian": "\(gaps.percentile(0.5) ?? 0)", "maxGapMsMax": "\(gaps.max() ?? 0)",
        "stalledViewers": "\(stalled)", "closedViewers": "\(closedInWindow)",
        "closeCodes": Output.json(closeCodes),
        // Why a viewer that had connected ended (a decoding error, say): what a stall alone cannot tell.
        "viewerFailures": "\(viewerFailures.count)", "firstViewerFailure": Output.json(viewerFailures.first ?? ""),
        "latencySamples": "\(latency.count)",
    ])
}

/// The `summary` of `llhls`: parts served (in all, and by the slowest reader), how far behind
/// live they arrived, and every error with how often it happened.
func reportReading(_ outcomes: [LLHLSReader.Outcome]) {
    let delays = outcomes.flatMap(\.delaysMilliseconds)
    var errors: [String: Int] = [:]
    for error in outcomes.flatMap(\.errors) {
        errors[error, default: 0] += 1
    }
    Output.event([
        "event": Output.json("summary"),
        "readers": "\(outcomes.count)",
        "parts": "\(delays.count)",
        "readerPartsMin": "\(outcomes.map(\.parts).min() ?? 0)",
        "delayMsMedian": "\(delays.percentile(0.5) ?? -1)",
        "delayMsP95": "\(delays.percentile(0.95) ?? -1)",
        "delayMsMax": "\(delays.max() ?? -1)",
        "errors": Output.json(errors),
    ])
}
