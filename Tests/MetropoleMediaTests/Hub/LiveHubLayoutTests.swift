@testable import MetropoleMedia
import NIOCore
import Testing

@Suite struct LiveHubLayoutTests {
    @Test func audioOnlyStreamStartsAfterTheDecisionDelayKeepingHeldAudio() async throws {
        let hub = LiveHub(name: "radio")
        hub.setTrack(try MediaSamples.audioConfig())
        let subscription = hub.subscribe()
        for index in 0..<60 {
            hub.ingest(MediaSamples.audio(Int64(index) * 21))
        }
        #expect(hub.mimeType == "audio/mp4; codecs=\"mp4a.40.2\"")
        var iterator = subscription.makeAsyncIterator()
        #expect(try await iterator.nextWithin()?.isInitSegment == true)
        let fragments = try #require(try await iterator.nextWithin()?.fragments)
        // Everything from 0 ms on, the held second included.
        #expect(fragments.first?.dts == 0)
        #expect(fragments.count == 60)
        let initSegment = try #require(hub.initSegment)
        let moov = try #require(Box.parse(initSegment).first("moov"))
        #expect(moov.children.filter { $0.type == "trak" }.count == 1)
    }

    @Test func videoOnlyStreamStartsAtTheFirstKeyframe() throws {
        let hub = LiveHub(name: "silent")
        hub.setTrack(try MediaSamples.videoConfig())
        hub.ingest(MediaSamples.audio(0)) // no audio configuration: dropped
        hub.ingest(MediaSamples.video(0, key: true))
        #expect(hub.mimeType == "video/mp4; codecs=\"avc1.64001f\"")
        #expect(hub.stats.framesDropped == 1)
    }

    @Test func reportsStats() throws {
        let hub = LiveHub(name: "stats", configuration: .init(wallClock: { 1_700_000_000_000 }))
        hub.setTrack(try MediaSamples.videoConfig())
        hub.setTrack(try MediaSamples.audioConfig())
        // 25 fps, 1000-byte video and 20-byte audio every 20 ms: 25 000 + 1000 bytes a second.
        LiveHubSubscriptionTests.feed(hub, from: 0, to: 6000, videoSize: 1000)
        let stats = hub.stats
        #expect(stats.videoCodec == "avc1.64001f")
        #expect(stats.audioCodec == "mp4a.40.2")
        #expect(stats.mimeType == "video/mp4; codecs=\"avc1.64001f,mp4a.40.2\"")
        #expect(stats.width == 1280)
        #expect(stats.height == 720)
        #expect(stats.frameRate == 25)
        #expect(stats.bitrate == 26_000 * 8)
        #expect(stats.keyframeInterval == 1)
        #expect(stats.startedAt == 1_700_000_000_000)
        #expect(stats.framesReceived == 450)
        #expect(stats.fragmentsBuilt == 450)
        #expect(stats.ingestNanoseconds > 0)
    }

    @Test func callsTheFragmentHook() async throws {
        let (timings, continuation) = AsyncStream.makeStream(of: Int64.self)
        let hub = LiveHub(name: "hook", configuration: .init(onFragment: { _, nanoseconds in
            continuation.yield(nanoseconds)
        }))
        hub.setTrack(try MediaSamples.videoConfig())
        LiveHubSubscriptionTests.feed(hub, from: 0, to: 200) // 5 video frames; no audio config
        continuation.finish()
        var count = 0
        for await nanoseconds in timings {
            #expect(nanoseconds > 0)
            count += 1
        }
        #expect(count == 5)
    }
}
