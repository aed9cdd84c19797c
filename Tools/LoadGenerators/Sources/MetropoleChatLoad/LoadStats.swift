import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// Deliveries and send-to-receive latency, kept per event loop (no sharing on the hot path)
/// and merged when a phase ends.
final class LoadStats: Sendable {
    /// 50 µs buckets up to 5 s; slower deliveries land in the last bucket.
    static let bucketNanos: UInt64 = 50_000
    static let bucketCount = 100_000

    final class Shard {
        var histogram = [Int](repeating: 0, count: LoadStats.bucketCount)
        var deliveries = 0
        var firstAt: UInt64 = .max
        var lastAt: UInt64 = 0

        func record(sentAt: UInt64, receivedAt: UInt64) {
            let latency = receivedAt > sentAt ? receivedAt - sentAt : 0
            histogram[min(Int(latency / LoadStats.bucketNanos), LoadStats.bucketCount - 1)] += 1
            deliveries += 1
            firstAt = min(firstAt, receivedAt)
            lastAt = max(lastAt, receivedAt)
        }
    }

    struct Summary {
        var deliveries = 0
        var histogram = [Int](repeating: 0, count: LoadStats.bucketCount)
        var firstAt: UInt64 = .max
        var lastAt: UInt64 = 0

        mutating func add(_ shard: Shard) {
            for (index, count) in shard.histogram.enumerated() where count > 0 { histogram[index] += count }
            deliveries += shard.deliveries
            firstAt = min(firstAt, shard.firstAt)
            lastAt = max(lastAt, shard.lastAt)
        }

        func percentile(_ fraction: Double) -> Double {
            guard deliveries > 0 else { return 0 }
            let target = Int((Double(deliveries) * fraction).rounded(.up))
            var seen = 0
            for (bucket, count) in histogram.enumerated() {
                seen += count
                if seen >= target { return Double(UInt64(bucket + 1) * LoadStats.bucketNanos) / 1e6 }
            }
            return Double(UInt64(LoadStats.bucketCount) * LoadStats.bucketNanos) / 1e6
        }

        func report(title: String, seconds: Double, expected: Int) -> String {
            let span = lastAt > firstAt ? Double(lastAt - firstAt) / 1e9 : seconds
            let rate = Double(deliveries) / max(span, 0.001)
            return """
            \(title):
              deliveries: \(deliveries) of \(expected) expected, \(Int(rate)) deliveries/s over \(String(format: "%.2f", span)) s
              latency: p50 \(String(format: "%.1f", percentile(0.5))) ms, p99 \(String(format: "%.1f", percentile(0.99))) ms, max bucket \(String(format: "%.1f", percentile(1.0))) ms
            """
        }
    }

    private let shards: [ObjectIdentifier: NIOLoopBound<Shard>]
    private let loops: [any EventLoop]
    private let closed = NIOLockedValueBox(0)

    init(group: MultiThreadedEventLoopGroup) {
        loops = Array(group.makeIterator())
        var shards: [ObjectIdentifier: NIOLoopBound<Shard>] = [:]
        for loop in loops {
            shards[ObjectIdentifier(loop)] = try? loop.submit { NIOLoopBound(Shard(), eventLoop: loop) }.wait()
        }
        self.shards = shards
    }

    /// The calling loop's shard; only use it on that loop.
    func shard(for loop: any EventLoop) -> Shard? {
        shards[ObjectIdentifier(loop)]?.value
    }

    func socketClosed() { closed.withLockedValue { $0 += 1 } }
    func closedCount() -> Int { closed.withLockedValue { $0 } }

    func reset() {
        for loop in loops {
            try? loop.submit { [shards] in
                let shard = shards[ObjectIdentifier(loop)]?.value
                shard?.histogram = [Int](repeating: 0, count: LoadStats.bucketCount)
                shard?.deliveries = 0
                shard?.firstAt = .max
                shard?.lastAt = 0
            }.wait()
        }
    }

    func collect() async -> Summary {
        var summary = Summary()
        for loop in loops {
            let snapshot: ([Int], Int, UInt64, UInt64)? = try? await loop.submit { [shards] in
                let shard = shards[ObjectIdentifier(loop)]?.value
                return (shard?.histogram ?? [], shard?.deliveries ?? 0, shard?.firstAt ?? UInt64.max, shard?.lastAt ?? 0)
            }.get()
            let (histogram, deliveries, first, last) = snapshot ?? ([], 0, UInt64.max, 0)
            for (index, count) in histogram.enumerated() { summary.histogram[index] += count }
            summary.deliveries += deliveries
            summary.firstAt = min(summary.firstAt, first)
            summary.lastAt = max(summary.lastAt, last)
        }
        return summary
    }
}
