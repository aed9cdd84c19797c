import Fluent
import Foundation
import Testing
import Vapor
import VaporTesting
@testable import MetropoleWeb

@Suite struct StreamAPITests {
    @Test func ingressIsTheOwnersOnly() async throws {
        try await withTestApp { app in
            let owner = try await app.signUp("owner")
            let other = try await app.signUp("other")
            try await app.testing().test(.GET, "api/v1/me/ingress", headers: bearer(owner)) { #expect($0.status == .notFound) }
            var key = ""
            try await app.testing().test(.POST, "api/v1/me/ingress", headers: bearer(owner), body: json(["protocol": "rtmp"])) { response in
                #expect(response.status == .created)
                let body = try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any]
                key = body?["streamKey"] as? String ?? ""
                #expect((body?["serverUrl"] as? String)?.hasPrefix("rtmp://127.0.0.1:") == true)
                #expect((body?["serverUrl"] as? String)?.hasSuffix("/live") == true)
            }
            #expect(key.count >= 22, "at least 128 random bits")
            try await app.testing().test(.GET, "api/v1/me/ingress", headers: bearer(owner)) { #expect($0.body.string.contains(key)) }
            try await app.testing().test(.GET, "api/v1/me/ingress", headers: bearer(other)) { #expect(!$0.body.string.contains(key)) }
            try await app.testing().test(.GET, "api/v1/streams/owner") { #expect(!$0.body.string.contains(key)) }
            try await app.testing().test(.GET, "owner") { #expect(!$0.body.string.contains(key)) }
            try await app.testing().test(.GET, "u/owner/keys", headers: bearer(other)) { #expect($0.status == .forbidden) }
            try await app.testing().test(.GET, "u/owner/keys", headers: bearer(owner)) { #expect($0.body.string.contains(key)) }
            // The authorizer accepts the key and nothing else.
            let authorizer = StreamKeyAuthorizer(database: { app.db })
            #expect(await authorizer.authorize(app: "live", streamKey: key) != nil)
            #expect(await authorizer.authorize(app: "live", streamKey: String(key.dropLast()) + "x") == nil)
            #expect(await authorizer.authorize(app: "live", streamKey: "") == nil)
            // A new key replaces the old one.
            try await app.testing().test(.POST, "api/v1/me/ingress", headers: bearer(owner), body: json([:])) { #expect($0.status == .created) }
            #expect(await authorizer.authorize(app: "live", streamKey: key) == nil)
            try await app.testing().test(.DELETE, "api/v1/me/ingress", headers: bearer(owner)) { #expect($0.status == .noContent) }
            try await app.testing().test(.GET, "api/v1/me/ingress", headers: bearer(owner)) { #expect($0.status == .notFound) }
        }
    }

    @Test func whipIngressNeedsTheWebRTCPort() async throws {
        // The test app runs with METROPOLE_WEBRTC_UDP_PORT=0 (WHIP off); e2e/test_whip.py has it on.
        try await withTestApp { app in
            let owner = try await app.signUp("owner")
            try await app.testing().test(.POST, "api/v1/me/ingress", headers: bearer(owner), body: json(["protocol": "whip"])) { response in
                #expect(response.status == .unprocessableEntity)
                #expect(response.errorCode == "whip_disabled")
            }
            try await app.testing().test(.POST, "api/v1/me/ingress", headers: bearer(owner), body: json(["protocol": "srt"])) { response in
                #expect(response.status == .unprocessableEntity)
            }
        }
    }

    @Test func patchStreamValidatesAndSaves() async throws {
        try await withTestApp { app in
            let owner = try await app.signUp("owner")
            try await app.testing().test(.PATCH, "api/v1/me/stream", headers: bearer(owner),
                                         body: json(["title": "  Late night 🎹 ", "slowModeSeconds": 30, "followersOnly": true, "chatEnabled": false])) { response in
                #expect(response.status == .ok)
                #expect(response.body.string.contains("\"title\":\"Late night 🎹\""))
                #expect(response.body.string.contains("\"slowModeSeconds\":30"))
            }
            for bad: [String: Any] in [["title": "   "], ["title": String(repeating: "x", count: 141)], ["slowModeSeconds": -1], ["slowModeSeconds": 4000]] {
                try await app.testing().test(.PATCH, "api/v1/me/stream", headers: bearer(owner), body: json(bad)) { response in
                    #expect(response.status == .unprocessableEntity)
                }
            }
            let stream = try #require(try await MetropoleWeb.Stream.query(on: app.db).first())
            #expect(stream.title == "Late night 🎹" && stream.followersOnly && !stream.chatEnabled && stream.slowModeSeconds == 30)
        }
    }

    @Test func keepUploadedThumbnailIsSavedAndShownAndOfflineThereIsNoLivePicture() async throws {
        try await withTestApp { app in
            let owner = try await app.signUp("owner")
            try await app.testing().test(.GET, "api/v1/streams/owner") { response in
                #expect(response.body.string.contains("\"keepUploadedThumbnail\":false"))
            }
            try await app.testing().test(.PATCH, "api/v1/me/stream", headers: bearer(owner),
                                         body: json(["keepUploadedThumbnail": true])) { response in
                #expect(response.status == .ok)
                #expect(response.body.string.contains("\"keepUploadedThumbnail\":true"))
            }
            let stream = try #require(try await MetropoleWeb.Stream.query(on: app.db).first())
            #expect(stream.keepUploadedThumbnail)
            try await app.testing().test(.GET, "live/owner/thumbnail.jpg") { #expect($0.status == .notFound) }
            // The dashboard's form without JavaScript: the hidden "false" and the ticked "true".
            let form: HTTPHeaders = ["Authorization": "Bearer \(owner)", "Content-Type": "application/x-www-form-urlencoded"]
            try await app.testing().test(.POST, "u/owner/stream", headers: form, body: ByteBuffer(string: "keepUploadedThumbnail=false")) { response in
                #expect(response.status == .seeOther)
                #expect(response.headers.first(name: .location) == "/u/owner")
            }
            #expect(try await MetropoleWeb.Stream.query(on: app.db).first()?.keepUploadedThumbnail == false)
            try await app.testing().test(.GET, "u/owner", headers: bearer(owner)) { response in
                #expect(response.body.string.contains("id=\"keepUploadedThumbnail\""))
            }
            try await app.testing().test(.POST, "u/owner/stream", headers: form,
                                         body: ByteBuffer(string: "keepUploadedThumbnail=false&keepUploadedThumbnail=true")) { response in
                #expect(response.status == .seeOther)
            }
            #expect(try await MetropoleWeb.Stream.query(on: app.db).first()?.keepUploadedThumbnail == true)
            // Offline, a card shows the upload whatever the choice.
            #expect(app.cardThumbnailURL(username: "owner", uploaded: "abc.png", isLive: false, keepUploaded: false)
                    == SiteURL.thumbnail("abc.png").path)
            #expect(app.cardThumbnailURL(username: "owner", uploaded: nil, isLive: true, keepUploaded: false) == nil)
        }
    }

    @Test func playbackIs404WhenOffline() async throws {
        try await withTestApp { app in
            try await app.signUp("owner")
            try await app.testing().test(.GET, "live/owner/index.m3u8") { response in
                #expect(response.status == .notFound)
                #expect(response.errorCode == "not_found")
            }
            try await app.testing().test(.GET, "live/owner/ws", headers: ["Upgrade": "websocket", "Connection": "Upgrade"]) {
                #expect($0.status == .notFound)
            }
            try await app.testing().test(.GET, "live/owner/ws") { #expect($0.status == .upgradeRequired) }
        }
    }
}
