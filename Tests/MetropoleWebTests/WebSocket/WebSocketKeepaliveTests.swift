import Foundation
import NIOCore
import Testing
@testable import MetropoleWeb

@Suite struct WebSocketKeepaliveTests {
    @Test func silentSocketsArePingedAndClosedWhenTheyDoNotAnswer() {
        let keepalive = WebSocketKeepalive(interval: .seconds(30))
        #expect(keepalive.verdict(silence: .seconds(0), unansweredPing: nil) == .alive)
        #expect(keepalive.verdict(silence: .milliseconds(29_999), unansweredPing: nil) == .alive)
        #expect(keepalive.verdict(silence: .seconds(30), unansweredPing: nil) == .ping)
        #expect(keepalive.verdict(silence: .seconds(300), unansweredPing: nil) == .ping)
        // Waiting for the answer, then giving up on it at the next sweep.
        #expect(keepalive.verdict(silence: .seconds(31), unansweredPing: .seconds(1)) == .alive)
        #expect(keepalive.verdict(silence: .seconds(60), unansweredPing: .seconds(30)) == .close)
        #expect(keepalive.verdict(silence: .seconds(59), unansweredPing: .milliseconds(29_990)) == .close)
    }

    @Test func intervalComesFromTheEnvironmentUnderEitherName() throws {
        func load(_ name: String, _ value: String) throws -> WebSocketKeepalive {
            try AppConfiguration.load(from: ["METROPOLE_DATA_DIR": FileManager.default.temporaryDirectory.path, name: value]).webSocketKeepalive
        }
        #expect(try AppConfiguration.load(from: ["METROPOLE_DATA_DIR": FileManager.default.temporaryDirectory.path]).webSocketKeepalive
                == WebSocketKeepalive())
        #expect(try load("METROPOLE_WEBSOCKET_PING_SECONDS", " 5 ").interval == .seconds(5))
        #expect(try load("METROPOLE_CHAT_PING_SECONDS", "7").interval == .seconds(7))
        for bad in ["0", "3601", "soon", "-1"] {
            #expect(throws: AppConfiguration.Error.self) { try load("METROPOLE_WEBSOCKET_PING_SECONDS", bad) }
        }
    }
}
