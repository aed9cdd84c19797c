import NIOCore
import Testing

@testable import MetropoleWebRTC

@Suite struct ReorderBufferTests {
    static let start = NIODeadline.uptimeNanoseconds(5_000_000_000)

    static func entry(_ sequence: Int64, at milliseconds: Int64 = 0) -> ReorderBuffer.Entry {
        let header = RTPHeader(payloadType: 96, sequenceNumber: UInt16(truncatingIfNeeded: sequence), timestamp: 0, ssrc: 1)
        return ReorderBuffer.Entry(packet: RTPPacket(header: header, payload: ByteBuffer()), sequence: sequence, arrival: start + .milliseconds(milliseconds))
    }

    /// (sequence, lostBefore) of what was released.
    static func summary(_ released: [ReorderBuffer.Released]) -> [[Int64]] {
        released.map { [$0.entry.sequence, $0.lostBefore] }
    }

    @Test func packetsInOrderPassStraightThrough() {
        var buffer = ReorderBuffer(capacity: 8, maxDelay: .milliseconds(100))
        var released: [ReorderBuffer.Released] = []
        for sequence in 10..<14 {
            #expect(buffer.insert(Self.entry(Int64(sequence)), into: &released) == .accepted)
        }
        #expect(Self.summary(released) == [[10, 0], [11, 0], [12, 0], [13, 0]])
        #expect(buffer.heldCount == 0)
    }

    @Test func aFilledGapReleasesEverythingInOrder() {
        // setup
        var buffer = ReorderBuffer(capacity: 8, maxDelay: .milliseconds(100))
        var released: [ReorderBuffer.Released] = []
        _ = buffer.insert(Self.entry(1), into: &released)
        // act: 4 and 3 arrive before 2
        _ = buffer.insert(Self.entry(4), into: &released)
        _ = buffer.insert(Self.entry(3), into: &released)
        #expect(buffer.missing(limit: 10) == [2])
        #expect(buffer.insert(Self.entry(3), into: &released) == .duplicate)
        _ = buffer.insert(Self.entry(2), into: &released)
        // check
        #expect(Self.summary(released) == [[1, 0], [2, 0], [3, 0], [4, 0]])
        #expect(buffer.insert(Self.entry(2), into: &released) == .late)
    }

    @Test func aGapIsGivenUpAfterTheDelay() {
        // setup: 2 and 3 missing behind 4 (held at 10 ms), and 6 behind 7
        var buffer = ReorderBuffer(capacity: 8, maxDelay: .milliseconds(100))
        var released: [ReorderBuffer.Released] = []
        _ = buffer.insert(Self.entry(1), into: &released)
        _ = buffer.insert(Self.entry(4, at: 10), into: &released)
        _ = buffer.insert(Self.entry(5, at: 20), into: &released)
        _ = buffer.insert(Self.entry(7, at: 60), into: &released)
        // act / check: nothing before the delay, then the first gap; the second dates from 7
        buffer.releaseExpired(at: Self.start + .milliseconds(109), into: &released)
        #expect(Self.summary(released) == [[1, 0]])
        buffer.releaseExpired(at: Self.start + .milliseconds(110), into: &released)
        #expect(Self.summary(released) == [[1, 0], [4, 2], [5, 0]])
        #expect(buffer.missing(limit: 10) == [6])
        buffer.releaseExpired(at: Self.start + .milliseconds(159), into: &released)
        #expect(released.count == 3)
        buffer.releaseExpired(at: Self.start + .milliseconds(160), into: &released)
        #expect(Self.summary(released).last == [7, 1])
        #expect(buffer.heldCount == 0)
    }

    @Test func aPacketTooFarAheadForcesTheGapsOut() {
        // setup
        var buffer = ReorderBuffer(capacity: 4, maxDelay: .seconds(10))
        var released: [ReorderBuffer.Released] = []
        _ = buffer.insert(Self.entry(1), into: &released)
        _ = buffer.insert(Self.entry(3), into: &released)
        // act: 20 cannot be held with 2 still open; then 100 with nothing held
        _ = buffer.insert(Self.entry(20), into: &released)
        _ = buffer.insert(Self.entry(100), into: &released)
        // check
        #expect(Self.summary(released) == [[1, 0], [3, 1], [20, 16], [100, 79]])
        #expect(buffer.heldCount == 0)
    }
}

@Suite struct NACKTrackerTests {
    @Test func asksAtOnceThenRetriesAFewTimes() {
        // setup
        var tracker = NACKTracker(maxRequests: 3, retryInterval: .milliseconds(30))
        let start = NIODeadline.uptimeNanoseconds(1_000_000)
        // act / check
        #expect(tracker.due(missing: [5, 6], at: start) == [5, 6])
        #expect(tracker.due(missing: [5, 6], at: start + .milliseconds(10)) == [])
        #expect(tracker.due(missing: [6, 9], at: start + .milliseconds(30)) == [6, 9]) // 5 arrived
        #expect(tracker.due(missing: [6, 9], at: start + .milliseconds(60)) == [6, 9])
        #expect(tracker.due(missing: [6, 9], at: start + .milliseconds(90)) == [9]) // 6 asked 3 times
        #expect(tracker.due(missing: [6, 9], at: start + .milliseconds(120)) == [])
        #expect(tracker.requested == 7)
    }
}
