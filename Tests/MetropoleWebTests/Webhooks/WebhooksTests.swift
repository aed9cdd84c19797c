import Fluent
import Foundation
import MetropoleStandardWebhooks
import NIOConcurrencyHelpers
import Testing
import Vapor
import VaporTesting
@testable import MetropoleWeb

/// Outbound webhooks: the pure rules (schedule, destinations, the site file, sealing), the
/// API, what gets queued for whom, the queue's order, and a real signed delivery.
@Suite struct WebhooksTests {
    static let allowPrivate = ["METROPOLE_WEBHOOKS_ALLOW_PRIVATE": "1", "METROPOLE_WEBHOOKS_RETRY_SECONDS": "1"]
    static let allEvents = WebhookEventType.allCases.map(\.rawValue)

    // MARK: pure rules

    @Test func backoffGrowsThenCapsAndEndsAfterADay() {
        let policy = WebhookRetryPolicy(first: 5)
        #expect((1...5).map { policy.delay(afterAttempt: $0) } == [5, 15, 45, 135, 405])
        #expect(policy.delay(afterAttempt: 40) == 2 * 3600)
        let created = Date(timeIntervalSince1970: 1_000_000)
        #expect(policy.nextAttempt(afterAttempt: 1, createdAt: created, now: created) == created.addingTimeInterval(5))
        // A receiver's longer Retry-After is honoured.
        #expect(policy.nextAttempt(afterAttempt: 1, createdAt: created, now: created, retryAfter: 60) == created.addingTimeInterval(60))
        // Nothing is scheduled past a day from the event.
        let late = created.addingTimeInterval(23.5 * 3600)
        #expect(policy.nextAttempt(afterAttempt: 12, createdAt: created, now: late) == nil)
    }

    @Test func destinationsArePublicHTTPOnly() {
        func problem(_ url: String, allowPrivate: Bool = false) -> OutboundDestination.Problem? {
            if case .failure(let problem) = OutboundDestination.parse(url, allowPrivate: allowPrivate) { return problem }
            return nil
        }
        #expect(problem("https://hooks.example.com/in") == nil)
        #expect(problem("http://93.184.216.34:8080/x") == nil)
        for bad in ["ftp://example.com/", "example.com/hook", "https://", "javascript:alert(1)", "http://exa mple.com/"] {
            #expect(problem(bad) == .notHTTP, "\(bad)")
        }
        #expect(problem("https://user:pw@example.com/") == .credentials)
        for inside in ["http://127.0.0.1/", "http://10.1.2.3/", "http://172.20.0.1/", "http://192.168.1.1/", "http://169.254.169.254/latest",
                       "http://[::1]/", "http://[fe80::1]/", "http://[fd00::1]/", "http://[::ffff:127.0.0.1]/", "http://0.0.0.0/",
                       "http://localhost:8080/", "http://100.64.0.1/"] {
            #expect(problem(inside)?.code == "private_address", "\(inside)")
            #expect(problem(inside, allowPrivate: true) == nil, "\(inside) with the operator's permission")
        }
        #expect(AddressKind(literal: "8.8.8.8") == .public)
        #expect(AddressKind(literal: "2606:4700::1111") == .public)
        #expect(AddressKind(literal: "127.0.0.53") == .loopback)
        #expect(AddressKind(literal: "example.com") == nil)
    }

    @Test func namesThatResolveInsideAreRefusedAtDelivery() async throws {
        let destination = try OutboundDestination.parse("http://localhost:9/", allowPrivate: true).get()
        await #expect(throws: OutboundDestination.Problem.privateAddress("localhost")) {
            try await destination.resolve(allowPrivate: false)
        }
        let allowed = try await destination.resolve(allowPrivate: true)
        #expect(!allowed.isEmpty)
    }

    @Test func siteFileEntriesAreCheckedByName() throws {
        let secret = WebhookSecret.generate().string
        let good = #"[{"url": "https://ops.example.com/hook", "events": ["stream.online", "follow.created"], "secret": "\#(secret)"}]"#
        let hooks = try SiteWebhooksFile.parse(Data(good.utf8), path: "site.json")
        #expect(hooks == [SiteWebhook(url: "https://ops.example.com/hook", events: [.streamOnline, .followCreated], secret: secret)])
        let cases: [(String, String)] = [
            (#"{"url": 1}"#, "not a JSON list"),
            (#"[{"events": ["stream.online"], "secret": "\#(secret)"}]"#, "entry 1: url is missing"),
            (#"[{"url": "https://a.example/", "events": ["stream.exploded"], "secret": "\#(secret)"}]"#, "entry 1 (https://a.example/): \"stream.exploded\""),
            (#"[{"url": "https://a.example/", "events": ["stream.online"], "secret": "hunter2"}]"#, "secret must be whsec_"),
            (#"[{"url": "gopher://a.example/", "events": ["stream.online"], "secret": "\#(secret)"}]"#, "http"),
        ]
        for (text, expected) in cases {
            #expect {
                try SiteWebhooksFile.parse(Data(text.utf8), path: "site.json")
            } throws: { error in
                let error = error as? AppConfiguration.Error
                return error?.variable == "METROPOLE_SITE_WEBHOOKS_FILE" && error?.description.contains(expected) == true
            }
        }
    }

    @Test func secretsAreSealedWithAKeyFileOfTheirOwn() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("webhook-box-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let box = try WebhookSecretBox.load(dataDirectory: directory)
        let sealed = try box.seal("whsec_abc")
        #expect(!sealed.contains("abc"))
        // A second start reads the same key.
        #expect(try WebhookSecretBox.load(dataDirectory: directory).open(sealed) == "whsec_abc")
        let path = directory.appendingPathComponent(WebhookSecretBox.fileName).path
        let permissions = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
        #expect(permissions == 0o600)
    }

    // MARK: API

    @Test func creatorsManageTheirOwnEndpointsOnly() async throws {
        try await withTestApp { app in
            let ann = try await app.signUp("ann")
            let ben = try await app.signUp("ben")
            var id = ""
            try await app.testing().test(.POST, "api/v1/me/webhooks", headers: bearer(ann),
                                         body: json(["url": "https://hooks.example.com/ann", "events": ["stream.online", "user.updated"]])) { response in
                #expect(response.status == .created)
                let body = try response.content.decode(EndpointJSON.self)
                #expect(body.secret?.hasPrefix("whsec_") == true)
                #expect(try WebhookSecret(string: body.secret ?? "").key.count == 32)
                #expect(body.events == ["stream.online", "user.updated"])
                id = body.id
            }
            try await app.testing().test(.GET, "api/v1/me/webhooks", headers: bearer(ann)) { response in
                #expect(response.status == .ok)
                #expect(!response.body.string.contains("whsec_"), "the secret is shown once")
                #expect((try? response.content.decode([EndpointJSON].self))?.map(\.id) == [id])
            }
            // ben sees none of it, and cannot touch it.
            try await app.testing().test(.GET, "api/v1/me/webhooks", headers: bearer(ben)) { #expect($0.body.string == "[]") }
            for method in [HTTPMethod.GET, .PATCH, .DELETE] {
                try await app.testing().test(method, "api/v1/me/webhooks/\(id)", headers: bearer(ben), body: json(["events": ["stream.online"]])) {
                    #expect($0.status == .notFound)
                }
            }
            try await app.testing().test(.POST, "api/v1/me/webhooks/\(id)/test", headers: bearer(ben)) { #expect($0.status == .notFound) }
            try await app.testing().test(.GET, "api/v1/me/webhooks") { #expect($0.status == .unauthorized) }
            // ann changes and deletes it.
            try await app.testing().test(.PATCH, "api/v1/me/webhooks/\(id)", headers: bearer(ann), body: json(["events": ["follow.created"]])) { response in
                #expect(response.status == .ok)
                #expect((try? response.content.decode(EndpointJSON.self))?.events == ["follow.created"])
            }
            try await app.testing().test(.POST, "api/v1/me/webhooks/\(id)/test", headers: bearer(ann)) { response in
                #expect(response.status == .accepted)
                #expect(response.body.string.contains("\"type\":\"webhook.test\""))
            }
            try await app.testing().test(.GET, "api/v1/me/webhooks/\(id)", headers: bearer(ann)) { response in
                let body = try response.content.decode(EndpointJSON.self)
                #expect(body.deliveries?.map(\.status) == ["pending"])
            }
            try await app.testing().test(.DELETE, "api/v1/me/webhooks/\(id)", headers: bearer(ann)) { #expect($0.status == .noContent) }
            #expect(try await WebhookDelivery.query(on: app.db).count() == 0)
        }
    }

    @Test func badEndpointsAreRefusedWithTheirReason() async throws {
        try await withTestApp { app in
            let ann = try await app.signUp("ann")
            let cases: [([String: Any], String)] = [
                (["events": ["stream.online"]], "invalid_url"),
                (["url": "ftp://example.com/", "events": ["stream.online"]], "invalid_url"),
                (["url": "http://127.0.0.1:9/", "events": ["stream.online"]], "private_address"),
                (["url": "http://169.254.169.254/", "events": ["stream.online"]], "private_address"),
                (["url": "https://example.com/", "events": []], "invalid_events"),
                (["url": "https://example.com/", "events": ["stream.online", "chat.message"]], "invalid_events"),
            ]
            for (body, code) in cases {
                try await app.testing().test(.POST, "api/v1/me/webhooks", headers: bearer(ann), body: json(body)) { response in
                    #expect(response.status == .unprocessableEntity, "\(body)")
                    #expect(response.errorCode == code, "\(body)")
                }
            }
        }
    }

    @Test func theDashboardTabAddsShowsTestsAndDeletes() async throws {
        try await withTestApp { app in
            let ann = try await app.signUp("ann")
            let ben = try await app.signUp("ben")
            let form: HTTPHeaders = ["Authorization": "Bearer \(ann)", "Content-Type": "application/x-www-form-urlencoded"]
            try await app.testing().test(.GET, "u/ann/webhooks", headers: bearer(ann)) { response in
                #expect(response.status == .ok)
                #expect(response.body.string.contains("id=\"no-webhooks\""))
                #expect(response.body.string.contains("name=\"events[]\" value=\"follow.created\""))
            }
            let body = "url=https%3A%2F%2Fhooks.example.com%2Fa%3Fx%3D1%26y%3D2&events[]=stream.online&events[]=follow.created"
            try await app.testing().test(.POST, "u/ann/webhooks", headers: form, body: ByteBuffer(string: body)) { response in
                #expect(response.status == .created)
                #expect(response.body.string.contains("value=\"whsec_"), "the secret, this once")
                #expect(response.body.string.contains("https://hooks.example.com/a?x=1&amp;y=2"), "escaped")
            }
            let endpoint = try #require(try await WebhookEndpoint.query(on: app.db).first())
            #expect(endpoint.eventTypes == [.streamOnline, .followCreated])
            let id = try endpoint.requireID().uuidString
            try await app.testing().test(.POST, "u/ann/webhooks/\(id)/test", headers: form) { #expect($0.status == .seeOther) }
            try await app.testing().test(.GET, "u/ann/webhooks", headers: bearer(ann)) { response in
                let html = response.body.string
                #expect(!html.contains("whsec_"))
                #expect(html.contains("webhook.test") && html.contains("delivery-status is-pending"))
            }
            try await app.testing().test(.POST, "u/ann/webhooks", headers: form,
                                         body: ByteBuffer(string: "url=http%3A%2F%2F10.0.0.1%2F&events[]=stream.online")) { response in
                #expect(response.status == .unprocessableEntity)
                #expect(response.body.string.contains("private or link-local"))
            }
            // Someone else's dashboard and endpoint are out of reach.
            try await app.testing().test(.POST, "u/ann/webhooks/\(id)/delete", headers: ["Authorization": "Bearer \(ben)"]) {
                #expect($0.status == .forbidden)
            }
            try await app.testing().test(.POST, "u/ann/webhooks/\(id)/delete", headers: form) { #expect($0.status == .seeOther) }
            #expect(try await WebhookEndpoint.query(on: app.db).count() == 0)
        }
    }

    // MARK: what is queued for whom

    @Test func eventsGoToTheirCreatorsAndTheSite() async throws {
        let siteFile = FileManager.default.temporaryDirectory.appendingPathComponent("site-hooks-\(UUID().uuidString).json")
        try Data(#"[{"url": "https://ops.example.com/all", "events": ["follow.created", "user.updated"], "secret": "\#(WebhookSecret.generate().string)"}]"#.utf8)
            .write(to: siteFile)
        defer { try? FileManager.default.removeItem(at: siteFile) }
        try await withTestApp(environment: ["METROPOLE_SITE_WEBHOOKS_FILE": siteFile.path]) { app in
            let ann = try await app.signUp("ann")
            let ben = try await app.signUp("ben")
            try await app.testing().test(.POST, "api/v1/me/webhooks", headers: bearer(ann),
                                         body: json(["url": "https://hooks.example.com/ann", "events": Self.allEvents])) { #expect($0.status == .created) }
            // act: ben follows ann, both change their bio, ann's title changes
            try await app.testing().test(.PUT, "api/v1/me/following/ann", headers: bearer(ben)) { #expect($0.status == .noContent) }
            try await app.testing().test(.PUT, "api/v1/me/following/ann", headers: bearer(ben)) { #expect($0.status == .noContent) }
            try await app.testing().test(.PATCH, "api/v1/me", headers: bearer(ann), body: json(["bio": "hi"])) { #expect($0.status == .ok) }
            try await app.testing().test(.PATCH, "api/v1/me", headers: bearer(ben), body: json(["bio": "yo"])) { #expect($0.status == .ok) }
            try await app.testing().test(.PATCH, "api/v1/me/stream", headers: bearer(ann), body: json(["title": "New"])) { #expect($0.status == .ok) }
            // check
            let deliveries = try await WebhookDelivery.query(on: app.db).with(\.$endpoint).sort(\.$sequence).all()
            let mine = deliveries.filter { $0.endpoint.$owner.id != nil }.map(\.eventType)
            let site = deliveries.filter { $0.endpoint.$owner.id == nil }.map(\.eventType)
            #expect(mine == ["follow.created", "user.updated", "stream.updated"], "a repeated follow is not a new one; ben's bio is not ann's")
            #expect(site == ["follow.created", "user.updated", "user.updated"])
            let follow = try #require(deliveries.first { $0.eventType == "follow.created" })
            let payload = try JSONSerialization.jsonObject(with: Data(follow.payload.utf8)) as? [String: Any]
            #expect(payload?["type"] as? String == "follow.created")
            #expect(payload?["timestamp"] is String)
            let data = payload?["data"] as? [String: Any]
            #expect((data?["follower"] as? [String: Any])?["username"] as? String == "ben")
            #expect(data?["followerCount"] as? Int == 1)
            let update = try #require(deliveries.last)
            #expect(!update.payload.contains("streamKey") && update.payload.contains("\"title\":\"New\""))
        }
    }

    // MARK: the queue

    @Test func eachEndpointGetsItsEventsInOrderOneAtATime() async throws {
        try await withTestApp(environment: Self.allowPrivate) { app in
            let ann = try await app.signUp("ann")
            let user = try #require(try await User.query(on: app.db).filter(\.$username == "ann").first())
            let (first, _) = try await app.webhooks.create(for: user, url: "http://127.0.0.1:9/a", events: Self.allEvents)
            let (second, _) = try await app.webhooks.create(for: user, url: "http://127.0.0.1:9/b", events: Self.allEvents)
            _ = ann
            let now = Date()
            await app.webhooks.userUpdated(user)
            await app.webhooks.userUpdated(user)
            let worker = WebhookDeliveryWorker(webhooks: app.webhooks, eventLoopGroup: app.eventLoopGroup)
            // Only the oldest of each endpoint is a candidate.
            let heads = try await WebhookDeliveryWorker.heads(on: app.db)
            let all = try await WebhookDelivery.query(on: app.db).sort(\.$sequence).all()
            #expect(all.count == 4)
            #expect(Set(heads.map(\.$endpoint.id)) == Set([first.id!, second.id!]))
            #expect(Set(heads.map(\.sequence)) == Set(all.prefix(2).map(\.sequence)))
            // A head waiting for its retry holds back the one behind it, even when that is "due".
            let head = try #require(heads.first { $0.$endpoint.id == first.id })
            head.nextAttemptAt = now.addingTimeInterval(3600)
            try await head.save(on: app.db)
            let claimed = await worker.claimDue(now: now.addingTimeInterval(1))
            #expect(claimed.map(\.$endpoint.id) == [second.id!])
            // Claimed endpoints are not claimed twice while in flight.
            #expect(await worker.claimDue(now: now.addingTimeInterval(1)).isEmpty)
            await worker.shutdown()
        }
    }

    @Test func aDeliveryIsSignedSentAndRecorded() async throws {
        try await withTestApp(environment: Self.allowPrivate) { app in
            // setup: the app itself receives, on a route of the test's own
            let received = NIOLockedValueBox<[(HTTPHeaders, String)]>([])
            let answer = NIOLockedValueBox<HTTPStatus>(.internalServerError)
            app.post("test-receiver") { request -> HTTPStatus in
                received.withLockedValue { $0.append((request.headers, request.body.string ?? "")) }
                return answer.withLockedValue { $0 }
            }
            let port = try freeLoopbackPort()
            try await app.server.start(address: .hostname("127.0.0.1", port: port))
            let worker = WebhookDeliveryWorker(webhooks: app.webhooks, eventLoopGroup: app.eventLoopGroup)
            do {
                try await app.signUp("ann")
                let user = try #require(try await User.query(on: app.db).filter(\.$username == "ann").first())
                let (endpoint, secret) = try await app.webhooks.create(for: user, url: "http://127.0.0.1:\(port)/test-receiver",
                                                                        events: ["user.updated"])
                await app.webhooks.userUpdated(user)
                let now = Date()

                // act: the receiver fails once
                await worker.runOnce(now: now)
                var delivery = try #require(try await WebhookDelivery.query(on: app.db).first())
                #expect(delivery.status == .pending && delivery.attempts == 1 && delivery.lastStatusCode == 500)
                #expect(abs(delivery.nextAttemptAt.timeIntervalSince(now) - 1) < 0.01)
                await worker.runOnce(now: now.addingTimeInterval(0.5))
                #expect(received.withLockedValue { $0.count } == 1, "not retried before its time")

                // then succeeds
                answer.withLockedValue { $0 = .noContent }
                await worker.runOnce(now: now.addingTimeInterval(1.05))
                delivery = try #require(try await WebhookDelivery.query(on: app.db).first())
                #expect(delivery.status == .delivered && delivery.attempts == 2 && delivery.lastStatusCode == 204)
                await worker.runOnce(now: now.addingTimeInterval(60))

                // check: two attempts, one id, each verifiable with the endpoint's secret
                let attempts = received.withLockedValue { $0 }
                #expect(attempts.count == 2)
                #expect(Set(attempts.map { $0.0.first(name: "webhook-id") ?? "" }) == [delivery.messageID])
                for (headers, body) in attempts {
                    let signed = try WebhookHeaders { headers.first(name: $0) }
                    #expect(throws: Never.self) {
                        try StandardWebhooks.verify(signed, body: Array(body.utf8), secret: WebhookSecret(string: secret),
                                                    now: Int64(Date().timeIntervalSince1970))
                    }
                    #expect(body == delivery.payload)
                }
                _ = endpoint
            } catch {
                await worker.shutdown()
                await app.server.shutdown()
                throw error
            }
            await worker.shutdown()
            await app.server.shutdown()
        }
    }

    @Test func aDeliveryThatNeverSucceedsIsMarkedFailedAndTheNextGoes() async throws {
        try await withTestApp(environment: Self.allowPrivate) { app in
            try await app.signUp("ann")
            let user = try #require(try await User.query(on: app.db).filter(\.$username == "ann").first())
            // Nothing listens on port 9 of loopback: every attempt fails fast.
            _ = try await app.webhooks.create(for: user, url: "http://127.0.0.1:9/", events: ["user.updated"])
            await app.webhooks.userUpdated(user)
            await app.webhooks.userUpdated(user)
            let worker = WebhookDeliveryWorker(webhooks: app.webhooks, eventLoopGroup: app.eventLoopGroup)
            let created = try #require(try await WebhookDelivery.query(on: app.db).sort(\.$sequence).first()).createdAt
            await worker.runOnce(now: created)
            // A day later its next attempt is past its lifetime.
            await worker.runOnce(now: created.addingTimeInterval(24 * 3600 - 1))
            await worker.shutdown()
            let rows = try await WebhookDelivery.query(on: app.db).sort(\.$sequence).all()
            #expect(rows.map(\.status) == [.failed, .pending])
            #expect(rows[0].attempts == 2 && rows[0].lastError != nil && rows[0].lastStatusCode == nil)
        }
    }

    @Test func deliveriesThatWaitedADayBehindAFailedOneFailWithIt() async throws {
        try await withTestApp(environment: Self.allowPrivate) { app in
            try await app.signUp("ann")
            let user = try #require(try await User.query(on: app.db).filter(\.$username == "ann").first())
            _ = try await app.webhooks.create(for: user, url: "http://127.0.0.1:9/", events: ["user.updated"])
            let start = Date()
            try await app.webhooks.enqueue(.userUpdated, about: user.requireID(), data: app.webhooks.userData(user), now: start)
            try await app.webhooks.enqueue(.userUpdated, about: user.requireID(), data: app.webhooks.userData(user), now: start.addingTimeInterval(60))
            try await app.webhooks.enqueue(.userUpdated, about: user.requireID(), data: app.webhooks.userData(user), now: start.addingTimeInterval(7200))
            let worker = WebhookDeliveryWorker(webhooks: app.webhooks, eventLoopGroup: app.eventLoopGroup)
            // The first is given up a day after it was queued; the second, as old, goes with it.
            await worker.runOnce(now: start.addingTimeInterval(24 * 3600 + 90))
            await worker.shutdown()
            let rows = try await WebhookDelivery.query(on: app.db).sort(\.$sequence).all()
            #expect(rows.map(\.status) == [.failed, .failed, .pending])
            #expect(rows.map(\.attempts) == [1, 0, 0])
        }
    }
}

struct EndpointJSON: Decodable {
    struct Delivery: Decodable {
        var id: String
        var type: String
        var status: String
        var attempts: Int
    }
    var id: String
    var url: String
    var events: [String]
    var secret: String?
    var deliveries: [Delivery]?
}
