@testable import MetropoleMedia
import NIOCore
import Testing

@Suite struct LiveHubSubscriptionTests {
    static func hub(_ configuration: LiveHubConfiguration = .init()) throws -> LiveHub {
        let hub = LiveHub(name: "test", configuration: configuration)
        hub.setTrack(try MediaSamples.videoConfig())
        hub.setTrack(try MediaSamples.audioConfig())
        return hub
    }

    /// Video every 40 ms (keyframe each second) interleaved with audio every 20 ms.
    static func feed(_ hub: LiveHub, from start: Int64, to end: Int64, videoSize: Int = 100) {
        for dts in stride(from: start, to: end, by: 20) {
            if dts % 40 == 0 {
                hub.ingest(MediaSamples.video(dts, key: dts % 1000 == 0, size: videoSize))
            }
            hub.ingest(MediaSamples.audio(dts))
        }
    }

    @Test func newViewerGetsInitThenTheGOPFromItsKeyframe() async throws {
        // setup
        let hub = try Self.hub()
        Self.feed(hub, from: 0, to: 1200)
        // act
        let subscription = hub.subscribe()
        var iterator = subscription.makeAsyncIterator()
        // check
        guard case .initSegment(let initSegment) = try await iterator.nextWithin() else {
            Issue.record("first delivery is not the init segment")
            return
        }
        #expect(initSegment == hub.initSegment)
        let gop = try #require(try await iterator.nextWithin()?.fragments)
        #expect(gop.first?.kind == .video)
        #expect(gop.first?.isKeyframe == true)
        #expect(gop.first?.dts == 1000)
        #expect(gop.count == 5 + 10) // video 1000…1160, audio 1000…1180
        #expect(gop.map(\.sequenceNumber) == gop.map(\.sequenceNumber).sorted())

        hub.ingest(MediaSamples.video(1200))
        let live = try #require(try await iterator.nextWithin()?.fragments)
        #expect(live.map(\.dts) == [1200])
        #expect(hub.subscriberCount == 1)
        subscription.close()
        #expect(hub.subscriberCount == 0)
        #expect(try await iterator.nextWithin() == nil)
    }

    @Test func theCachedGOPSharesTheBytesOfClosedParts() async throws {
        let hub = try Self.hub()
        Self.feed(hub, from: 0, to: 1500)
        let part = try #require(await hub.resource(named: "part1.0.m4s"))
        var iterator = hub.subscribe().makeAsyncIterator()
        _ = try await iterator.nextWithin()
        let gop = try #require(try await iterator.nextWithin()?.fragments)
        #expect(gop.first?.dts == 1000)
        func address(_ buffer: ByteBuffer) -> UInt { buffer.withUnsafeReadableBytes { UInt(bitPattern: $0.baseAddress) } }
        // The GOP's first fragment is read from part 1.0's buffer, not from a copy of its own;
        // the fragments of the part still open are their own buffers.
        #expect(address(gop[0].bytes) == address(part))
        let partEnd = address(part) + UInt(part.readableBytes)
        #expect(gop.filter { (address(part)..<partEnd).contains(address($0.bytes)) }.count > 1)
        let last = address(try #require(gop.last).bytes)
        #expect(last >= partEnd || last < address(part))
    }

    @Test func viewerBeforeTheFirstKeyframeStartsAtIt() async throws {
        let hub = try Self.hub()
        let subscription = hub.subscribe()
        hub.ingest(MediaSamples.audio(0))
        hub.ingest(MediaSamples.video(0)) // not a keyframe: dropped
        #expect(hub.initSegment == nil)
        hub.ingest(MediaSamples.video(40, key: true))
        hub.ingest(MediaSamples.audio(40))
        var iterator = subscription.makeAsyncIterator()
        #expect(try await iterator.nextWithin()?.isInitSegment == true)
        let fragments = try #require(try await iterator.nextWithin()?.fragments)
        #expect(fragments.map(\.dts) == [40, 40])
        #expect(fragments.first?.isKeyframe == true)
        #expect(hub.stats.framesDropped == 2)
    }

    @Test func slowViewerSkipsToTheNextKeyframeThenIsDropped() async throws {
        // setup: a 128 KiB queue, 8 KB video frames: about half a second fits.
        let hub = try Self.hub(.init(subscriberQueueLimit: 128 << 10, subscriberOverflowLimit: 3))
        let fast = hub.subscribe()
        let slow = hub.subscribe()
        var slowIterator = slow.makeAsyncIterator()
        var fastIterator = fast.makeAsyncIterator()
        var fastReceived: [Fragment] = []
        func feedWhileFastViewerReads(from start: Int64, to end: Int64) async throws {
            for chunk in stride(from: start, to: end, by: 100) {
                Self.feed(hub, from: chunk, to: chunk + 100, videoSize: 8000)
                while let delivery = try await fastIterator.nextWithin() {
                    if let fragments = delivery.fragments {
                        fastReceived += fragments
                        break
                    }
                }
            }
        }
        // act: the slow viewer reads nothing while 1.5 s arrive.
        try await feedWhileFastViewerReads(from: 0, to: 1500)
        // check: the overflow at ~600 ms emptied its queue; it resumed at the 1000 ms keyframe.
        #expect(try await slowIterator.nextWithin()?.isInitSegment == true)
        let resumed = try #require(try await slowIterator.nextWithin()?.fragments)
        #expect(resumed.first?.dts == 1000)
        #expect(resumed.first?.isKeyframe == true)
        #expect(resumed.first?.kind == .video)
        // The fast viewer lost nothing: 38 video and 75 audio fragments, in order.
        #expect(fastReceived.count == 38 + 75)
        #expect(fastReceived.map(\.sequenceNumber) == Array(1...113))

        // Two more overflows end the slow one; the fast one stays.
        try await feedWhileFastViewerReads(from: 1500, to: 4000)
        var last: LiveDelivery?
        while let delivery = try await slowIterator.nextWithin() {
            last = delivery
        }
        #expect(last?.name == "dropped")
        #expect(hub.subscriberCount == 1)
    }

    @Test func finishDeliversQueuedFragmentsThenEnd() async throws {
        let hub = try Self.hub()
        let subscription = hub.subscribe()
        Self.feed(hub, from: 0, to: 100)
        hub.finish()
        var names: [String] = []
        var iterator = subscription.makeAsyncIterator()
        while let delivery = try await iterator.nextWithin() {
            names.append(delivery.name)
        }
        #expect(names == ["init", "fragments(8)", "end"])
        #expect(hub.subscriberCount == 0)
        // Late viewers learn at once that it is over.
        var late = hub.subscribe().makeAsyncIterator()
        #expect(try await late.nextWithin()?.name == "end")
    }

    @Test func waitingViewerWakesForEachFragment() async throws {
        let hub = try Self.hub()
        Self.feed(hub, from: 0, to: 40)
        let subscription = hub.subscribe()
        let reader = Task {
            var iterator = subscription.makeAsyncIterator()
            var received = 0
            while let delivery = await iterator.next() {
                received += delivery.fragments?.count ?? 0
                if received >= 12 { break }
            }
            return received
        }
        try await Task.sleep(for: .milliseconds(50))
        Self.feed(hub, from: 40, to: 240)
        let received = try await within(2) { await reader.value }
        #expect(received >= 12)
    }

    @Test func cancellingTheReaderClosesTheSubscription() async throws {
        let hub = try Self.hub()
        let subscription = hub.subscribe()
        let reader = Task {
            for await _ in subscription {}
        }
        try await Task.sleep(for: .milliseconds(50))
        reader.cancel()
        _ = try await within(2) { await reader.value }
        #expect(hub.subscriberCount == 0)
    }

    @Test func configurationChangeRestartsViewers() async throws {
        let hub = try Self.hub()
        Self.feed(hub, from: 0, to: 200)
        let subscription = hub.subscribe()
        let other = try AudioSpecificConfig(parsing: ByteBuffer(bytes: [0x12, 0x10]))
        hub.setTrack(.aac(other))
        hub.setTrack(.aac(other)) // the same again changes nothing
        var names: [String] = []
        var iterator = subscription.makeAsyncIterator()
        while let delivery = try await iterator.nextWithin() {
            names.append(delivery.name)
        }
        #expect(names == ["restart"])
        #expect(hub.initSegment == nil)
        Self.feed(hub, from: 1000, to: 1100)
        #expect(hub.initSegment != nil)
        #expect(hub.mimeType == "video/mp4; codecs=\"avc1.64001f,mp4a.40.2\"")
    }
}

extension LiveDelivery: Equatable {
    public static func == (lhs: LiveDelivery, rhs: LiveDelivery) -> Bool { lhs.name == rhs.name }
}
