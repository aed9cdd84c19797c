@testable import MetropoleMedia
import NIOCore
import Testing

@Suite struct LiveHubHLSTests {
    static func hub(holdLimit: Double = 2) throws -> LiveHub {
        let hub = LiveHub(name: "test", configuration: .init(holdLimit: holdLimit, wallClock: { 1_700_000_000_000 }))
        hub.setTrack(try MediaSamples.videoConfig())
        hub.setTrack(try MediaSamples.audioConfig())
        return hub
    }

    @Test func blockingReloadResumesWhenThePartArrives() async throws {
        // setup: segment 0 has parts 0 and 1 (cut at 280 and 560); part 2 is being built.
        let hub = try Self.hub()
        LiveHubSubscriptionTests.feed(hub, from: 0, to: 600)
        guard case .playlist(let now) = await hub.playlist() else {
            Issue.record("no playlist")
            return
        }
        #expect(now.contains("#EXT-X-PRELOAD-HINT:TYPE=PART,URI=\"\(hub.broadcast)/part0.2.m4s\""))
        // act
        let waiting = Task { await hub.playlist(msn: 0, part: 2) }
        try await Task.sleep(for: .milliseconds(100))
        LiveHubSubscriptionTests.feed(hub, from: 600, to: 900) // the video frame at 840 closes part 2
        // check
        let answer = try await within(2) { await waiting.value }
        guard case .playlist(let text) = answer else {
            Issue.record("expected a playlist, got \(answer)")
            return
        }
        #expect(text.contains("URI=\"\(hub.broadcast)/part0.2.m4s\"\n"))
        #expect(text.contains("#EXT-X-PRELOAD-HINT:TYPE=PART,URI=\"\(hub.broadcast)/part0.3.m4s\""))
    }

    @Test func refusesRequestsFarAhead() async throws {
        let hub = try Self.hub()
        LiveHubSubscriptionTests.feed(hub, from: 0, to: 2100)
        #expect(await hub.playlist(msn: 5) == .badRequest)
        #expect(await hub.playlist(part: 1) == .badRequest)
        #expect(await hub.playlist(msn: -1) == .badRequest)
    }

    @Test func answersUnavailableWhenTheHoldRunsOut() async throws {
        let hub = try Self.hub(holdLimit: 0.2)
        LiveHubSubscriptionTests.feed(hub, from: 0, to: 600)
        let started = ContinuousClock.now
        #expect(await hub.playlist(msn: 2) == .unavailable)
        #expect(ContinuousClock.now - started >= .milliseconds(150))
        // The configured limit, not the default hold (3 target durations = 6 s), applied. Read
        // from the hub: an upper bound on the wait would only measure how busy the machine is.
        #expect(hub.holdLimit == .milliseconds(200))
    }

    @Test func hintedPartRequestWaitsUntilItIsComplete() async throws {
        let hub = try Self.hub()
        LiveHubSubscriptionTests.feed(hub, from: 0, to: 600)
        #expect(await hub.resource(named: "part0.0.m4s") != nil)
        #expect(await hub.resource(named: "part0.5.m4s") == nil) // not hinted: 404 at once
        #expect(await hub.resource(named: "seg0.m4s") == nil) // still being filled
        let waiting = Task { await hub.resource(named: "part0.2.m4s") }
        try await Task.sleep(for: .milliseconds(100))
        LiveHubSubscriptionTests.feed(hub, from: 600, to: 900)
        let part = try #require(try await within(2) { await waiting.value })
        // 280…560 holds 7 video and 14 audio fragments.
        #expect(Box.parse(part).count == 2 * 21)
        #expect(await hub.resource(named: "init.mp4") == hub.initSegment)
        #expect(await hub.resource(named: "nope.m4s") == nil)
    }

    @Test func finishAnswersWaitersWithEndList() async throws {
        let hub = try Self.hub()
        LiveHubSubscriptionTests.feed(hub, from: 0, to: 1500)
        let waiting = Task { await hub.playlist(msn: 2, part: 0) }
        try await Task.sleep(for: .milliseconds(50))
        hub.finish()
        guard case .playlist(let text) = try await within(2, { await waiting.value }) else {
            Issue.record("expected the final playlist")
            return
        }
        #expect(text.hasSuffix("\(hub.broadcast)/seg1.m4s\n#EXT-X-ENDLIST\n"))
        #expect(await hub.resource(named: "seg1.m4s") != nil)
    }

    @Test func configurationChangeMarksADiscontinuity() async throws {
        let hub = try Self.hub()
        LiveHubSubscriptionTests.feed(hub, from: 0, to: 1500)
        hub.setTrack(.aac(try AudioSpecificConfig(parsing: ByteBuffer(bytes: [0x12, 0x10]))))
        LiveHubSubscriptionTests.feed(hub, from: 2000, to: 3100)
        guard case .playlist(let text) = await hub.playlist() else {
            Issue.record("no playlist")
            return
        }
        let tail = try #require(text.split(separator: "seg1.m4s\n").last)
        #expect(tail.hasPrefix("#EXT-X-DISCONTINUITY\n#EXT-X-MAP:URI=\"\(hub.broadcast)/init1.mp4\"\n"))
        #expect(await hub.resource(named: "init1.mp4") == hub.initSegment)
        #expect(await hub.resource(named: "init.mp4") != nil)
    }
}
