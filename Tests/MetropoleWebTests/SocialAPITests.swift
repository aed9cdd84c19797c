import Fluent
import Foundation
import Testing
import Vapor
import VaporTesting
@testable import MetropoleWeb

@Suite struct SocialAPITests {
    func usernames(_ response: TestingHTTPResponse) -> [String] {
        let list = (try? JSONSerialization.jsonObject(with: Data(buffer: response.body))) as? [[String: Any]] ?? []
        return list.compactMap { $0["username"] as? String }
    }

    @Test func followAndUnfollow() async throws {
        try await withTestApp { app in
            let ann = try await app.signUp("ann")
            try await app.signUp("ben")
            try await app.signUp("cal")
            for name in ["ben", "CAL"] {
                try await app.testing().test(.PUT, "api/v1/me/following/\(name)", headers: bearer(ann)) { #expect($0.status == .noContent) }
            }
            // Following twice is harmless.
            try await app.testing().test(.PUT, "api/v1/me/following/ben", headers: bearer(ann)) { #expect($0.status == .noContent) }
            // cal goes live: live first.
            try await app.setLive("cal")
            try await app.testing().test(.GET, "api/v1/me/following", headers: bearer(ann)) { response in
                #expect(usernames(response) == ["cal", "ben"])
                #expect(response.body.string.contains("\"isLive\":true"))
            }
            try await app.testing().test(.GET, "api/v1/users/ben") { #expect($0.body.string.contains("\"followerCount\":1")) }
            try await app.testing().test(.DELETE, "api/v1/me/following/ben", headers: bearer(ann)) { #expect($0.status == .noContent) }
            try await app.testing().test(.GET, "api/v1/users/ben") { #expect($0.body.string.contains("\"followerCount\":0")) }
        }
    }

    @Test func followErrors() async throws {
        try await withTestApp { app in
            let ann = try await app.signUp("ann")
            try await app.testing().test(.PUT, "api/v1/me/following/nobody", headers: bearer(ann)) { #expect($0.status == .notFound) }
            try await app.testing().test(.PUT, "api/v1/me/following/ann", headers: bearer(ann)) { response in
                #expect(response.status == .unprocessableEntity)
            }
            try await app.testing().test(.PUT, "api/v1/me/following/ann") { #expect($0.status == .unauthorized) }
        }
    }

    @Test func blockRemovesFollowsBothWaysAndHidesTheChannel() async throws {
        try await withTestApp { app in
            let streamer = try await app.signUp("streamer")
            let viewer = try await app.signUp("viewer")
            try await app.testing().test(.PUT, "api/v1/me/following/streamer", headers: bearer(viewer)) { #expect($0.status == .noContent) }
            try await app.testing().test(.PUT, "api/v1/me/following/viewer", headers: bearer(streamer)) { #expect($0.status == .noContent) }
            // act
            try await app.testing().test(.PUT, "api/v1/me/blocked/viewer", headers: bearer(streamer)) { #expect($0.status == .noContent) }
            // check: follows gone both ways
            #expect(try await Follow.query(on: app.db).count() == 0)
            try await app.testing().test(.GET, "api/v1/me/blocked", headers: bearer(streamer)) { #expect(usernames($0) == ["viewer"]) }
            // The blocked viewer cannot follow, and never sees the channel.
            try await app.testing().test(.PUT, "api/v1/me/following/streamer", headers: bearer(viewer)) { response in
                #expect(response.status == .forbidden)
            }
            try await app.testing().test(.GET, "api/v1/streams/streamer", headers: bearer(viewer)) { #expect($0.status == .notFound) }
            try await app.testing().test(.GET, "api/v1/users/streamer", headers: bearer(viewer)) { #expect($0.status == .notFound) }
            try await app.testing().test(.GET, "api/v1/streams", headers: bearer(viewer)) { response in
                #expect(!usernames(response).contains("streamer"))
                #expect(usernames(response).contains("viewer"))
            }
            try await app.testing().test(.GET, "api/v1/streams?q=streamer", headers: bearer(viewer)) { #expect(usernames($0).isEmpty) }
            try await app.testing().test(.GET, "streamer", headers: bearer(viewer)) { #expect($0.status == .notFound) }
            try await app.testing().test(.GET, "/", headers: bearer(viewer)) { #expect(!$0.body.string.contains("/streamer\"")) }
            try await app.testing().test(.GET, "search?term=streamer", headers: bearer(viewer)) { response in
                #expect(!response.body.string.contains("href=\"/streamer\""))
            }
            // Others still see it.
            try await app.testing().test(.GET, "api/v1/streams/streamer") { #expect($0.status == .ok) }
            // Unblock restores.
            try await app.testing().test(.DELETE, "api/v1/me/blocked/viewer", headers: bearer(streamer)) { #expect($0.status == .noContent) }
            try await app.testing().test(.GET, "api/v1/streams/streamer", headers: bearer(viewer)) { #expect($0.status == .ok) }
        }
    }

    @Test func streamsListIsLiveFirstAndSearchable() async throws {
        try await withTestApp { app in
            for name in ["zed", "amy", "Kim"] { try await app.signUp(name) }
            try await app.setLive("Kim", title: "Jazz Piano Night")
            try await app.testing().test(.GET, "api/v1/streams") { response in
                let names = usernames(response)
                #expect(names.first == "Kim" && names.count == 3)
            }
            try await app.testing().test(.GET, "api/v1/streams?live=true") { #expect(usernames($0) == ["Kim"]) }
            try await app.testing().test(.GET, "api/v1/streams?q=jAzZ") { #expect(usernames($0) == ["Kim"]) }
            try await app.testing().test(.GET, "api/v1/streams?q=AMY") { #expect(usernames($0) == ["amy"]) }
            try await app.testing().test(.GET, "api/v1/streams?q=%25") { let names = usernames($0); #expect(names.isEmpty, "% is not a wildcard") }
            try await app.testing().test(.GET, "api/v1/streams?limit=1") { #expect(usernames($0).count == 1) }
            try await app.testing().test(.GET, "api/v1/streams/kim") { response in
                #expect(response.status == .ok)
                let body = try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any]
                #expect((body?["playback"] as? [String: String])?["hls"]?.hasSuffix("/live/Kim/index.m3u8") == true)
                #expect((body?["chat"] as? [String: Any])?["enabled"] as? Bool == true)
            }
        }
    }
}

extension Application {
    /// Marks a channel live in the database, as ingest would.
    func setLive(_ username: String, title: String? = nil) async throws {
        let stream = try #require(try await MetropoleWeb.Stream.query(on: db).with(\.$user).all()
            .first { $0.user.usernameKey == username.lowercased() })
        stream.isLive = true
        if let title { stream.title = title }
        try await stream.save(on: db)
    }
}
