@testable import MetropoleMedia
import MetropoleTestSupport
import NIOCore
import Testing

/// `LiveHubConfiguration.onSegment`: every segment the segmenter cuts reaches the recording,
/// in order, once, with the bytes the live playlist serves.
@Suite struct CompletedSegmentTests {
    static func hub(into segments: Locked<[CompletedSegment]>) throws -> LiveHub {
        let hub = LiveHub(name: "test", configuration: .init(wallClock: { 1_700_000_000_000 }, onSegment: { segment in
            segments.withValue { $0.append(segment) }
        }))
        hub.setTrack(try MediaSamples.videoConfig())
        hub.setTrack(try MediaSamples.audioConfig())
        return hub
    }

    @Test func everyCutSegmentIsHandedOnceIncludingTheLastAtFinish() async throws {
        // setup: keyframes every second, so segments are cut at 1000, 2000 and 3000
        let segments = Locked<[CompletedSegment]>([])
        let hub = try Self.hub(into: segments)
        // act
        LiveHubSubscriptionTests.feed(hub, from: 0, to: 3500)
        let beforeFinish = segments.withValue { $0.map(\.msn) }
        hub.finish()
        // check
        #expect(beforeFinish == [0, 1, 2])
        let all = segments.withValue { $0 }
        #expect(all.map(\.msn) == [0, 1, 2, 3])
        #expect(all.map(\.startDTS) == [0, 1000, 2000, 3000])
        #expect(all.prefix(3).allSatisfy { $0.duration == 1000 })
        #expect(all.allSatisfy { $0.initGeneration == all[0].initGeneration && !$0.isDiscontinuity })
        #expect(all[0].initSegment == hub.initSegment)
        #expect(all[1].programDateTime == 1_700_000_001_000)
        // The same bytes the live playlist serves as seg1.m4s.
        #expect(await hub.resource(named: "seg1.m4s") == all[1].parts.joinedBuffer())
        #expect(Box.parse(all[1].parts.joinedBuffer()).first?.type == "moof")
    }

    @Test func aConfigurationChangeStartsANewGenerationWithADiscontinuity() throws {
        let segments = Locked<[CompletedSegment]>([])
        let hub = try Self.hub(into: segments)
        LiveHubSubscriptionTests.feed(hub, from: 0, to: 1500)
        // act: a new video configuration (1080p) mid-stream
        hub.setTrack(.avc(try AVCDecoderConfigurationRecord(
            sequenceParameterSets: [ByteBuffer(bytes: MediaSamples.sps1080p)],
            pictureParameterSets: [ByteBuffer(bytes: MediaSamples.pps720p)]
        )))
        LiveHubSubscriptionTests.feed(hub, from: 2000, to: 3500)
        hub.finish()
        // check
        let all = segments.withValue { $0 }
        #expect(all.map(\.msn) == Array(0..<all.count))
        let changed = try #require(all.firstIndex { $0.initGeneration != all[0].initGeneration })
        #expect(all[changed].isDiscontinuity)
        #expect(all[changed].initSegment != all[0].initSegment)
        #expect(all[changed].initSegment == hub.initSegment)
        #expect(all.filter(\.isDiscontinuity).count == 1)
    }

    /// A store kept in memory, as the recording's files would be.
    final class Store: SegmentStore {
        let segments = Locked<[Int: ByteBuffer]>([:])
        let reads = Locked(0)

        func read(msn: Int, offset: Int, length: Int) async -> ByteBuffer? {
            reads.withValue { $0 += 1 }
            return segments.withValue { $0[msn] }?.getSlice(at: offset, length: length)
        }
    }

    @Test func aStoredSegmentLeavesMemoryAndIsServedFromTheStore() async throws {
        // setup: every cut segment is "written" and reported stored at once
        let store = Store()
        let hub = LiveHub(name: "test", configuration: .init(onSegment: { segment in
            store.segments.withValue { $0[segment.msn] = segment.parts.joinedBuffer() }
            segment.stored(store)
        }))
        hub.setTrack(try MediaSamples.videoConfig())
        hub.setTrack(try MediaSamples.audioConfig())
        // act
        LiveHubSubscriptionTests.feed(hub, from: 0, to: 3500)
        // check: the completed segments hold no bytes, the open one still does
        let (completed, open) = hub.state.withLockedValue { ($0.segmenter.segments, $0.segmenter.current) }
        #expect(completed.map(\.msn) == [0, 1, 2])
        #expect(completed.allSatisfy { $0.isStored && $0.data == nil && $0.parts.allSatisfy { $0.data.readableBytes == 0 } })
        #expect(open?.parts.isEmpty == false && open?.parts.allSatisfy { $0.data.readableBytes > 0 } == true)
        // The same bytes as before, now read from the store: whole segments and listed parts.
        let written = store.segments.withValue { $0 }
        #expect(await hub.resource(named: "seg1.m4s") == written[1])
        let parts = try #require(completed.last?.parts)
        var joined = ByteBuffer()
        for index in parts.indices {
            var part = try #require(await hub.resource(named: "part2.\(index).m4s"))
            #expect(part.readableBytes == parts[index].byteCount)
            joined.writeBuffer(&part)
        }
        #expect(joined == written[2])
        #expect(store.reads.withValue { $0 } == 1 + parts.count)
        // The open segment's parts come from memory.
        #expect(await hub.resource(named: "part3.0.m4s") != nil)
        #expect(store.reads.withValue { $0 } == 1 + parts.count)
    }

    @Test func aSegmentNeverReportedStoredStaysInMemory() async throws {
        let segments = Locked<[CompletedSegment]>([])
        let hub = try Self.hub(into: segments)
        LiveHubSubscriptionTests.feed(hub, from: 0, to: 2500)
        #expect(hub.state.withLockedValue { $0.segmenter.segments.allSatisfy { !$0.isStored && $0.parts.allSatisfy { $0.data.readableBytes > 0 } } })
        #expect(await hub.resource(named: "seg0.m4s") == segments.withValue { $0[0].parts.joinedBuffer() })
    }

    @Test func theHubKeepsNoJoinedCopyForTheRecording() throws {
        let segments = Locked<[CompletedSegment]>([])
        let hub = try Self.hub(into: segments)
        LiveHubSubscriptionTests.feed(hub, from: 0, to: 2500)
        hub.finish()
        #expect(segments.withValue { $0.count } == 3)
        #expect(hub.state.withLockedValue { $0.segmenter.segments.allSatisfy { $0.data == nil } })
    }
}
