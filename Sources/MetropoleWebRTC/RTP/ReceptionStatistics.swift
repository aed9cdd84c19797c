import NIOCore

/// What a receiver reports about one source (RFC 3550 §6.4.1, appendix A.3 and A.8): loss,
/// the highest sequence number, interarrival jitter, and the echo of its last sender report.
struct ReceptionStatistics: Sendable {
    let clockRate: Int
    private var baseSequence: Int64?
    private(set) var highestSequence: Int64 = 0
    private(set) var received: Int64 = 0
    private var expectedPrior: Int64 = 0
    private var receivedPrior: Int64 = 0
    /// In RTP timestamp units, scaled by 16 as A.8 suggests to keep integer precision.
    private var scaledJitter: Int64 = 0
    private var lastTransit: Int64?
    private var lastSenderReport: (compactNTP: UInt32, receivedAt: NIODeadline)?

    init(clockRate: Int) {
        self.clockRate = clockRate
    }

    /// Counts one packet the first time its sequence number is seen.
    mutating func record(sequence: Int64, timestamp: UInt32, arrival: NIODeadline) {
        if baseSequence == nil {
            baseSequence = sequence
            highestSequence = sequence
        }
        highestSequence = max(highestSequence, sequence)
        received += 1
        // Arrival in timestamp units, modulo 2^64: only the low 32 bits of a difference of two
        // transits count, as the timestamps themselves wrap at 32 bits.
        let nanoseconds = arrival.uptimeNanoseconds
        let rate = UInt64(clockRate)
        let arrivalUnits = (nanoseconds / 1_000_000_000) &* rate &+ (nanoseconds % 1_000_000_000) * rate / 1_000_000_000
        let transit = Int64(bitPattern: arrivalUnits &- UInt64(timestamp))
        if let lastTransit {
            let difference = Int64(Int32(truncatingIfNeeded: transit &- lastTransit)).magnitude
            scaledJitter += Int64(difference) - (scaledJitter + 8) >> 4
        }
        lastTransit = transit
    }

    mutating func recordSenderReport(compactNTP: UInt32, at now: NIODeadline) {
        lastSenderReport = (compactNTP, now)
    }

    var expected: Int64 { baseSequence.map { highestSequence - $0 + 1 } ?? 0 }
    var cumulativeLost: Int64 { expected - received }
    var jitter: UInt32 { UInt32(clamping: scaledJitter >> 4) }
    var hasReceived: Bool { baseSequence != nil }

    /// The report block for now; starts the next interval for `fractionLost`.
    mutating func reportBlock(ssrc: UInt32, at now: NIODeadline) -> RTCPReportBlock {
        let expectedInterval = expected - expectedPrior
        let receivedInterval = received - receivedPrior
        expectedPrior = expected
        receivedPrior = received
        let lostInterval = expectedInterval - receivedInterval
        let fraction = expectedInterval > 0 && lostInterval > 0 ? UInt8(clamping: (lostInterval << 8) / expectedInterval) : 0
        var lsr: UInt32 = 0
        var dlsr: UInt32 = 0
        if let (compact, receivedAt) = lastSenderReport {
            lsr = compact
            let elapsed = max(now.uptimeNanoseconds - min(receivedAt.uptimeNanoseconds, now.uptimeNanoseconds), 0)
            dlsr = UInt32(clamping: elapsed * 65536 / 1_000_000_000)
        }
        return RTCPReportBlock(
            ssrc: ssrc, fractionLost: fraction, cumulativeLost: Int32(clamping: cumulativeLost),
            extendedHighestSequenceNumber: UInt32(truncatingIfNeeded: highestSequence), jitter: jitter,
            lastSenderReport: lsr, delaySinceLastSenderReport: dlsr
        )
    }
}
