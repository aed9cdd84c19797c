import Testing
import Vapor
import VaporTesting
@testable import MetropoleWeb

/// The front door is put on Vapor's connections by reflection (`FrontDoorServer`): this fails if
/// a Vapor release moves what it reflects on, instead of the site silently losing its fast path.
@Suite struct FrontDoorTests {
    @Test func theDoorOpensOnTheRunningServerAndAnswersCachedGuestPages() async throws {
        try await withTestApp { app in
            try await app.signUp("kate")
            #expect(app.server is FrontDoorServer)
            try await app.server.start(address: .hostname("127.0.0.1", port: 0))
            #expect(FrontDoorServer.listeningChannel(of: app.http.server.shared) != nil)
            await app.server.shutdown()
            for round in 0..<2 {
                try await app.testing(method: .running(hostname: "127.0.0.1", port: 0)).test(.GET, "kate") { response in
                    #expect(response.status == .ok && response.body.string.contains("kate&#39;s stream"))
                    // The first view renders the page (through Vapor, which adds a request id);
                    // the second is the door's.
                    #expect((response.headers.first(name: RequestIDMiddleware.header) == nil) == (round == 1))
                }
            }
            #expect(app.frontDoor.pagesAnswered == 1)
        }
    }
}
