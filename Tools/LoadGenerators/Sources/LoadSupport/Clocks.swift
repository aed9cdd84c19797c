#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Wall time in nanoseconds since 1970 (`CLOCK_REALTIME`), so logs from a tool, the bench
/// scripts and other processes on the same machine share one clock.
public enum RealtimeClock {
    public static func nanoseconds() -> Int64 {
        var time = timespec()
        clock_gettime(CLOCK_REALTIME, &time)
        return Int64(time.tv_sec) * 1_000_000_000 + Int64(time.tv_nsec)
    }
}

/// Monotonic nanoseconds (`CLOCK_MONOTONIC`): for intervals measured inside one process, which
/// a wall clock step must not bend.
public struct MonotonicClock: Sendable {
    public init() {}

    public var now: UInt64 {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return UInt64(time.tv_sec) * 1_000_000_000 + UInt64(time.tv_nsec)
    }
}
