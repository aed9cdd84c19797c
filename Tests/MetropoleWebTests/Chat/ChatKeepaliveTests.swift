import NIOCore
import Testing
@testable import MetropoleWeb

@Suite struct ChatKeepaliveTests {
    @Test func silentSocketsArePingedAfterOneIntervalAndClosedAfterTwo() {
        let keepalive = ChatKeepalive(interval: .seconds(30))
        #expect(keepalive.verdict(silence: .seconds(0)) == .alive)
        #expect(keepalive.verdict(silence: .milliseconds(29_999)) == .alive)
        #expect(keepalive.verdict(silence: .seconds(30)) == .ping)
        #expect(keepalive.verdict(silence: .milliseconds(59_999)) == .ping)
        #expect(keepalive.verdict(silence: .seconds(60)) == .close)
    }

    @Test func intervalComesFromTheEnvironment() throws {
        #expect(try ChatKeepalive.load(from: [:]) == ChatKeepalive())
        #expect(try ChatKeepalive.load(from: ["METROPOLE_CHAT_PING_SECONDS": " 5 "]).interval == .seconds(5))
        for bad in ["0", "3601", "soon", "-1"] {
            #expect(throws: AppConfiguration.Error.self) { try ChatKeepalive.load(from: ["METROPOLE_CHAT_PING_SECONDS": bad]) }
        }
    }
}
