import Testing
import Vapor
@testable import MetropoleWeb

/// The cache headers of live LL-HLS (decision 0051); e2e/test_cdn.py shows nginx honouring them.
@Suite struct LiveHLSCachingTests {
    @Test func guestsAnswersAreSharedAndSignedInAnswersAreNot() {
        #expect(LiveHLSCaching.cacheControl(.resource, for: .guest) == "public, max-age=86400, immutable")
        #expect(LiveHLSCaching.cacheControl(.playlist, for: .guest) == "public, max-age=1")
        #expect(LiveHLSCaching.cacheControl(.blockingPlaylist(targetDuration: 2), for: .guest) == "public, max-age=4")
        for answer in [LiveHLSCaching.Answer.resource, .playlist, .blockingPlaylist(targetDuration: 2)] {
            #expect(LiveHLSCaching.cacheControl(answer, for: .signedIn).hasPrefix("private, "))
            let headers = LiveHLSCaching.headers(answer, for: .guest)
            #expect(headers.first(name: .vary) == "Cookie, Authorization")
        }
    }

    @Test func aBlockingAnswerOutlivesNoNewBroadcastOfTwoTargetDurations() {
        #expect(LiveHLSCaching.blockingSeconds(targetDuration: 0) == 2)
        #expect(LiveHLSCaching.blockingSeconds(targetDuration: 4) == 8)
    }

    @Test func anyCredentialMakesTheRequestSignedIn() async throws {
        let app = try await Application.make(.testing)
        func audience(_ headers: HTTPHeaders) -> LiveHLSCaching.Audience {
            .init(Request(application: app, headers: headers, on: app.eventLoopGroup.any()))
        }
        #expect(audience([:]) == .guest)
        #expect(audience(["Cookie": "\(LayoutPreferences.cookieName)=wide"]) == .guest)
        #expect(audience(["Authorization": "Bearer not-even-valid"]) == .signedIn)
        #expect(audience(["Cookie": "\(Sessions.cookieName)=x"]) == .signedIn)
        try await app.asyncShutdown()
    }

    @Test func refusalsAreNeverKept() async throws {
        do {
            _ = try await LiveHLSCaching.uncachedErrors { throw APIError.notFound("gone") }
            Issue.record("the error was swallowed")
        } catch let error as APIError {
            #expect(error.headers.first(name: .cacheControl) == "no-store")
            #expect(error.status == .notFound)
        }
    }
}
