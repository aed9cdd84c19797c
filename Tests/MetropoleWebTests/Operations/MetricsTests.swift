import Foundation
import SQLKit
import Testing
import Vapor
import VaporTesting
@testable import MetropoleWeb

@Suite struct MetricsTests {
    @Test func metricsAreAbsentWithoutAToken() async throws {
        try await withTestApp { app in
            try await app.testing().test(.GET, "metrics") { #expect($0.status == .notFound) }
        }
    }

    @Test func metricsNeedTheirToken() async throws {
        let token = "scrape-token-0123456789"
        try await withTestApp(environment: ["METROPOLE_METRICS_TOKEN": token]) { app in
            try await app.testing().test(.GET, "metrics") { #expect($0.status == .unauthorized) }
            try await app.testing().test(.GET, "metrics", headers: ["Authorization": "Bearer wrong-token-0123456789"]) {
                #expect($0.status == .unauthorized)
            }
            try await app.testing().test(.GET, "healthz") { #expect($0.status == .ok) }
            try await app.testing().test(.GET, "metrics", headers: ["Authorization": "Bearer \(token)"]) { response in
                #expect(response.status == .ok)
                #expect(response.headers.first(name: .contentType)?.hasPrefix("text/plain; version=0.0.4") == true)
                let text = response.body.string
                #expect(text.contains("# TYPE metropole_live_streams gauge"))
                #expect(text.contains("metropole_live_streams{protocol=\"rtmp\",provider=\"builtin\"} 0"))
                #expect(text.contains("metropole_viewers{transport=\"llhls\"}"))
                #expect(text.contains("metropole_chat_sockets"))
            }
        }
    }

    @Test func databaseLeasesAreCountedAndExported() async throws {
        let token = "scrape-token-0123456789"
        try await withTestApp(environment: ["METROPOLE_METRICS_TOKEN": token]) { app in
            let use = try #require(app.databaseUse)
            // The metered database still speaks SQL: search and the migrations cast to it.
            #expect(app.db is any SQLDatabase)
            #expect(use.poolSize >= 1)
            // act: hold one connection, as a long transaction would
            let loop = app.eventLoopGroup.any()
            let (leased, release) = (loop.makePromise(of: Void.self), loop.makePromise(of: Void.self))
            let held = app.db.withConnection { _ in
                leased.succeed(())
                return release.futureResult
            }
            try await leased.futureResult.get()
            // The node's heartbeat and event poll lease connections for a moment too, so the
            // held one shows as a floor: never fewer than one while held, none once all is idle.
            let whileHeld = try await samples(of: { use.reading.inUse })
            #expect(whileHeld.min() == 1, "\(whileHeld)")
            release.succeed(())
            try await held.get()
            // check
            let afterwards = try await samples(of: { use.reading.inUse })
            #expect(afterwards.min() == 0, "\(afterwards)")
            try await app.testing().test(.GET, "metrics", headers: ["Authorization": "Bearer \(token)"]) { response in
                let lines = response.body.string.split(separator: "\n").map(String.init)
                #expect(lines.contains("metropole_database_pool_connections \(Double(use.poolSize))"))
                #expect(lines.contains { $0.hasPrefix("metropole_database_connections_in_use ") })
                let leases = lines.first { $0.hasPrefix("metropole_database_leases_total ") }
                    .flatMap { Double($0.split(separator: " ")[1]) } ?? 0
                // Migrations, the held connection and the scrape's own query were all leases.
                #expect(leases >= 3, "\(lines.filter { $0.contains("database") })")
            }
        }
    }

    @Test(arguments: [
        ["METROPOLE_METRICS_TOKEN": "short"],
        ["LOG_FORMAT": "xml"],
    ])
    func badValuesNameTheirVariable(environment: [String: String]) throws {
        #expect(throws: AppConfiguration.Error.self) { try AppConfiguration.load(from: environment.merging(["METROPOLE_DATA_DIR": NSTemporaryDirectory()]) { a, _ in a }) }
        do {
            _ = try AppConfiguration.load(from: environment.merging(["METROPOLE_DATA_DIR": NSTemporaryDirectory()]) { a, _ in a })
        } catch {
            #expect(error.variable == environment.keys.first)
        }
    }

    @Test func jsonLogFormatIsRead() throws {
        let configuration = try AppConfiguration.load(from: ["LOG_FORMAT": "JSON", "METROPOLE_DATA_DIR": NSTemporaryDirectory()])
        #expect(configuration.logFormat == .json)
    }

    /// Forty readings 5 ms apart.
    private func samples(of reading: () -> Int) async throws -> [Int] {
        var values: [Int] = []
        for _ in 0..<40 {
            values.append(reading())
            try await Task.sleep(for: .milliseconds(5))
        }
        return values
    }
}
