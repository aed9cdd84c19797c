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
        #expect(await hub.resource(named: "seg1.m4s") == all[1].data)
        #expect(Box.parse(all[1].data).first?.type == "moof")
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

    @Test func theHubKeepsNoJoinedCopyForTheRecording() throws {
        let segments = Locked<[CompletedSegment]>([])
        let hub = try Self.hub(into: segments)
        LiveHubSubscriptionTests.feed(hub, from: 0, to: 2500)
        hub.finish()
        #expect(segments.withValue { $0.count } == 3)
        #expect(hub.state.withLockedValue { $0.segmenter.segments.allSatisfy { $0.data == nil } })
    }
}
