import Fluent
import NIOConcurrencyHelpers
import Foundation
import Testing
import VaporTesting
@testable import MetropoleWeb

@Suite struct ChatAPITests {
    @Test func patchStreamValidatesAndSaves() async throws {
        try await withTestApp { app in
            // setup
            let token = try await app.signUp("Streamer")
            // act
            try await app.testing().test(.PATCH, "api/v1/me/stream", headers: bearer(token),
                                         body: json(["title": "  Speedrun  ", "slowModeSeconds": 30, "followersOnly": true, "chatEnabled": false])) { response in
                // check
                #expect(response.status == .ok, "\(response.body.string)")
                let body = try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any]
                let stream = body?["stream"] as? [String: Any]
                #expect(stream?["title"] as? String == "Speedrun")
                let chat = stream?["chat"] as? [String: Any]
                #expect(chat?["slowModeSeconds"] as? Int == 30 && chat?["followersOnly"] as? Bool == true && chat?["enabled"] as? Bool == false)
            }
            for (body, code) in [(["title": "   "], "invalid_title"), (["title": String(repeating: "t", count: 141)], "invalid_title"),
                                 (["slowModeSeconds": 3601], "invalid_slow_mode"), (["slowModeSeconds": -1], "invalid_slow_mode")] as [([String: Any], String)] {
                try await app.testing().test(.PATCH, "api/v1/me/stream", headers: bearer(token), body: json(body)) { response in
                    #expect(response.status == .unprocessableEntity)
                    #expect(response.errorCode == code)
                }
            }
            try await app.testing().test(.PATCH, "api/v1/me/stream", headers: jsonHeaders, body: json(["title": "x"])) { response in
                #expect(response.status == .unauthorized)
            }
            let stream = try #require(try await Stream.query(on: app.db).first())
            #expect(stream.title == "Speedrun" && stream.slowModeSeconds == 30)
        }
    }

    @Test func kickRecordsAndRefusesSelfAndUnknown() async throws {
        try await withTestApp { app in
            // setup
            let owner = try await app.signUp("Owner")
            try await app.signUp("Viewer")
            var ejected: [EjectionReason] = []
            let seen = NIOLockedBox()
            app.ejections.register { _, _, reason in seen.append(reason) }
            // act
            try await app.testing().test(.POST, "api/v1/me/kicks/viewer", headers: bearer(owner)) { response in
                #expect(response.status == .noContent, "\(response.body.string)")
            }
            try await app.testing().test(.POST, "api/v1/me/kicks/viewer", headers: bearer(owner), body: json(["seconds": 5])) { response in
                #expect(response.status == .noContent)
            }
            // check
            try await app.testing().test(.POST, "api/v1/me/kicks/owner", headers: bearer(owner)) { response in
                #expect(response.status == .unprocessableEntity)
                #expect(response.errorCode == "cannot_kick_self")
            }
            try await app.testing().test(.POST, "api/v1/me/kicks/nobody", headers: bearer(owner)) { response in
                #expect(response.status == .notFound)
            }
            try await app.testing().test(.POST, "api/v1/me/kicks/viewer", headers: bearer(owner), body: json(["seconds": 0])) { response in
                #expect(response.status == .unprocessableEntity)
            }
            let kicks = try await Kick.query(on: app.db).all()
            #expect(kicks.count == 1)
            let remaining = try #require(kicks.first?.expiresAt.timeIntervalSinceNow)
            #expect(remaining > 0 && remaining <= 5)
            ejected = seen.values
            #expect(ejected == [.kicked, .kicked])
        }
    }

    @Test func chatRequiresAWebSocketAndAKnownChannel() async throws {
        try await withTestApp { app in
            try await app.signUp("Owner")
            try await app.testing().test(.GET, "api/v1/streams/owner/chat") { response in
                #expect(response.status == .upgradeRequired)
            }
            try await app.testing().test(.GET, "api/v1/streams/nobody/chat", headers: ["Upgrade": "websocket"]) { response in
                #expect(response.status == .notFound)
            }
            try await app.testing().test(.GET, "api/v1/streams/owner/chatters") { response in
                #expect(response.status == .ok)
                #expect(response.body.string.contains(#""count":0"#))
            }
        }
    }

    @Test func historyPersistsThroughTheArchive() async throws {
        try await withTestApp { app in
            // setup
            try await app.signUp("Owner")
            let owner = try #require(try await User.query(on: app.db).first())
            let ownerID = try owner.requireID()
            let archive = app.chat.archive
            // act: 60 messages, half flushed, half still pending
            let records = (0..<60).map { index in
                ChatRecord(id: UUID(), channelOwnerID: ownerID, userID: ownerID, username: "Owner", text: "m\(index)",
                           isStreamer: true, sentAt: Date(timeIntervalSince1970: 1_000 + Double(index)))
            }
            for record in records.prefix(30) { archive.append(record) }
            await archive.flush()
            for record in records.suffix(30) { archive.append(record) }
            // check
            let history = try await archive.history(forChannelOf: ownerID, limit: 50)
            #expect(history.map(\.text) == records.suffix(50).map(\.text))
            await archive.flush()
            #expect(archive.pendingCount == 0)
            #expect(try await ChatMessage.query(on: app.db).count() == 60)
        }
    }
}

/// Collects ejection reasons from the handler's thread.
final class NIOLockedBox: Sendable {
    private let box = NIOLockedValueBox([EjectionReason]())
    func append(_ reason: EjectionReason) { box.withLockedValue { $0.append(reason) } }
    var values: [EjectionReason] { box.withLockedValue { $0 } }
}
