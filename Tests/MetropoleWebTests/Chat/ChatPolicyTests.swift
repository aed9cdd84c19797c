import Foundation
import Testing
@testable import MetropoleWeb

@Suite struct ChatPolicyTests {
    let viewer = ChatPolicy.Sender(isSignedIn: true, isStreamer: false, follows: false)
    let streamer = ChatPolicy.Sender(isSignedIn: true, isStreamer: true, follows: false)
    let limits = ChatRateLimits()
    let now = Date(timeIntervalSince1970: 1_000_000)

    func check(_ text: String = "hi", _ sender: ChatPolicy.Sender? = nil, settings: ChatSettings = .init(),
               pace: SenderPace = .init()) -> Result<String, ChatRejection> {
        ChatPolicy.check(text, from: sender ?? viewer, settings: settings, pace: pace, limits: limits, now: now)
    }

    func pace(_ offsets: [TimeInterval]) -> SenderPace {
        var pace = SenderPace()
        for offset in offsets { pace.record(now.addingTimeInterval(offset), window: limits.window) }
        return pace
    }

    @Test func textIsTrimmedAndControlCharactersStripped() {
        #expect(ChatText.clean("  hello\u{0}\u{7}\u{1B}[31m world\n ") == .success("hello[31m world"))
        #expect(ChatText.clean("a\u{202E}b\u{2066}c") == .success("abc"))
        #expect(ChatText.clean("<script>alert(1)</script>") == .success("<script>alert(1)</script>"))
    }

    @Test func lengthIsOneToFiveHundredCharactersAfterTrimming() {
        #expect(check("   \n\t ") == .failure(.empty))
        #expect(check("\u{1}\u{2}") == .failure(.empty))
        #expect(check(String(repeating: "x", count: 500)) == .success(String(repeating: "x", count: 500)))
        #expect(check(" " + String(repeating: "x", count: 500) + " ") == .success(String(repeating: "x", count: 500)))
        #expect(check(String(repeating: "x", count: 501)) == .failure(.tooLong))
        // Characters, not bytes: 500 emoji are fine.
        #expect(check(String(repeating: "🎉", count: 500)) == .success(String(repeating: "🎉", count: 500)))
    }

    @Test func guestsAndDisabledChatCannotPost() {
        #expect(check("hi", .init(isSignedIn: false, isStreamer: false, follows: false)) == .failure(.notSignedIn))
        #expect(check(settings: .init(enabled: false)) == .failure(.chatDisabled))
        #expect(check("hi", streamer, settings: .init(enabled: false)) == .failure(.chatDisabled))
    }

    @Test func followersOnlyExemptsStreamerAndFollowers() {
        let settings = ChatSettings(followersOnly: true)
        #expect(check(settings: settings) == .failure(.followersOnly))
        #expect(check("hi", .init(isSignedIn: true, isStreamer: false, follows: true), settings: settings) == .success("hi"))
        #expect(check("hi", streamer, settings: settings) == .success("hi"))
    }

    @Test func slowModeGivesRetryAfterAndExemptsStreamer() {
        let settings = ChatSettings(slowModeSeconds: 10)
        #expect(check(settings: settings, pace: pace([-3])) == .failure(.slowMode(retryAfter: 7)))
        #expect(check(settings: settings, pace: pace([-10])) == .success("hi"))
        #expect(check("hi", streamer, settings: settings, pace: pace([-1])) == .success("hi"))
        #expect(ChatRejection.slowMode(retryAfter: 7).retryAfter == 7)
    }

    @Test func rateLimitIsTwentyPerThirtySecondsForViewersAndHundredForStreamer() {
        let twenty = pace((0..<20).map { -29 + Double($0) })
        #expect(check(pace: twenty) == .failure(.rateLimited(retryAfter: 1)))
        #expect(check(pace: pace((0..<19).map { -19 + Double($0) })) == .success("hi"))
        #expect(check("hi", streamer, pace: twenty) == .success("hi"))
        #expect(check("hi", streamer, pace: pace((0..<100).map { -19.8 + Double($0) * 0.2 })) == .failure(.rateLimited(retryAfter: 11)))
        // Messages older than the window no longer count.
        #expect(check(pace: pace((0..<20).map { -60 + Double($0) })) == .success("hi"))
    }

    @Test func rateLimitsComeFromTheEnvironment() throws {
        func load(_ value: String?) throws -> ChatRateLimits {
            var environment = ["METROPOLE_DATA_DIR": FileManager.default.temporaryDirectory.path]
            environment["METROPOLE_CHAT_RATE_LIMIT"] = value
            return try AppConfiguration.load(from: environment).chatRateLimits
        }
        #expect(try load(nil) == ChatRateLimits())
        let raised = try load("1000/5000")
        #expect(raised.viewer == 1000 && raised.streamer == 5000)
        #expect(throws: AppConfiguration.Error.self) { try load("fast") }
        #expect(throws: AppConfiguration.Error.self) { try load("0/10") }
    }

    @Test func standingIsWhatHelloAndEveryMessageAgreeOn() {
        let viewer = ChatPolicy.Sender(isSignedIn: true, isStreamer: false, follows: false)
        let follower = ChatPolicy.Sender(isSignedIn: true, isStreamer: false, follows: true)
        let guest = ChatPolicy.Sender(isSignedIn: false, isStreamer: false, follows: false)
        let followersOnly = ChatSettings(followersOnly: true)
        #expect(ChatPolicy.standing(of: viewer, under: ChatSettings()) == nil)
        #expect(ChatPolicy.standing(of: guest, under: ChatSettings()) == .notSignedIn)
        #expect(ChatPolicy.standing(of: viewer, under: ChatSettings(enabled: false)) == .chatDisabled)
        #expect(ChatPolicy.standing(of: viewer, under: followersOnly) == .followersOnly)
        #expect(ChatPolicy.standing(of: follower, under: followersOnly) == nil)
        // A message is refused for the same reason the standing gives.
        for (sender, settings) in [(guest, ChatSettings()), (viewer, ChatSettings(enabled: false)), (viewer, followersOnly)] {
            let refusal = ChatPolicy.standing(of: sender, under: settings)
            let result = ChatPolicy.check("hi", from: sender, settings: settings, pace: SenderPace(), limits: ChatRateLimits(), now: Date())
            #expect(result == .failure(refusal!))
        }
    }
}
