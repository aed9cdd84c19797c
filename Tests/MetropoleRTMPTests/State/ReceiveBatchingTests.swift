import NIOCore
import Testing

@testable import MetropoleRTMP

@Suite struct ReceiveBatchingTests {
    let start = NIODeadline.uptimeNanoseconds(1_000_000_000)

    @Test func watermarkFollowsTheMeasuredRate() {
        // setup: 2.6 Mbps for one second, 100 ms of batching
        var batching = ReceiveBatching(delay: .milliseconds(100), now: start)
        batching.received(325_000)
        // act + check: nothing before a second has passed, then whole KiB under 32.5 kB
        #expect(batching.tick(now: start + .milliseconds(500)) == nil)
        #expect(batching.tick(now: start + .seconds(1)) == 31 * 1024)
        // a similar rate keeps the watermark
        batching.received(330_000)
        #expect(batching.tick(now: start + .seconds(2)) == nil)
        // a much higher one is capped
        batching.received(10_000_000)
        #expect(batching.tick(now: start + .seconds(3)) == ReceiveBatching.maximumWatermark)
    }

    @Test func silenceDropsBackToOneByte() {
        var batching = ReceiveBatching(delay: .milliseconds(100), now: start)
        batching.received(325_000)
        _ = batching.tick(now: start + .seconds(1))
        #expect(batching.tick(now: start + .seconds(2)) == 1)
        #expect(batching.tick(now: start + .seconds(3)) == nil)
    }

    @Test func resetReturnsToOneByteOnce() {
        var batching = ReceiveBatching(delay: .milliseconds(100), now: start)
        #expect(batching.reset(now: start) == nil)
        batching.received(100_000)
        #expect(batching.tick(now: start + .seconds(1)) == 9 * 1024)
        #expect(batching.reset(now: start + .seconds(1)) == 1)
        #expect(batching.watermark == 1)
    }
}
