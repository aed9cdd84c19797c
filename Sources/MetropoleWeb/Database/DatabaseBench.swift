import Fluent
import Foundation
import Vapor

/// `metropole db bench [--seconds N] [--concurrency N]`: the product's hottest queries against
/// DATABASE_URL, in operations per second. scripts/bench/db runs it on each backend side by side.
/// Seeds its own users (bench_*) into an empty database; point it at a scratch database.
struct DatabaseBenchCommand: AsyncCommand {
    struct Signature: CommandSignature {
        @Option(name: "seconds", help: "Seconds per query (default 5)") var seconds: Double?
        @Option(name: "concurrency", help: "Concurrent tasks (default 8)") var concurrency: Int?
    }

    var help: String { "Measures the home-page query, follow/unfollow and user look-ups on DATABASE_URL." }

    static let users = 200

    func run(using context: CommandContext, signature: Signature) async throws {
        let database = context.application.db
        let seconds = signature.seconds ?? 5
        let concurrency = signature.concurrency ?? 8
        let ids = try await seed(database)

        let results: [(String, Double)] = [
            ("home page", try await measure(seconds, concurrency) { _, _ in
                // The shape of the home listing for an anonymous visitor.
                _ = try await Stream.query(on: database).join(User.self, on: \Stream.$user.$id == \User.$id).with(\.$user)
                    .sort(\.$isLive, .descending).sort(\.$updatedAt, .descending).limit(24).all()
            }),
            ("follow+unfollow", try await measure(seconds, concurrency) { task, n in
                // Each task works on its own follower, so pairs never collide.
                let follower = ids[task % ids.count], followed = ids[(task + 1 + n % (ids.count - 1)) % ids.count]
                guard follower != followed else { return }
                try await Follow(followerID: follower, followedID: followed).create(on: database)
                try await Follow.query(on: database).filter(\.$follower.$id == follower).filter(\.$followed.$id == followed).delete()
            }),
            ("user lookup", try await measure(seconds, concurrency) { _, n in
                _ = try await User.query(on: database).filter(\.$usernameKey == "bench_\(n % Self.users)").first()
            }),
        ]
        for (name, rate) in results {
            context.console.print("\(name)\t\(String(format: "%.0f", rate)) ops/s")
        }
    }

    private func seed(_ database: any Database) async throws -> [UUID] {
        let existing = try await User.query(on: database).filter(\.$usernameKey =~ "bench_").all()
        if existing.count >= Self.users { return try existing.map { try $0.requireID() } }
        var ids: [UUID] = []
        try await database.transaction { database in
            for n in 0..<Self.users {
                let user = User(username: "bench_\(n)", passwordHash: "x")
                try await user.create(on: database)
                let stream = Stream(userID: try user.requireID(), title: "Stream number \(n)")
                stream.isLive = n % 5 == 0
                try await stream.create(on: database)
            }
        }
        ids = try await User.query(on: database).filter(\.$usernameKey =~ "bench_").all().map { try $0.requireID() }
        return ids
    }

    /// Runs `body` from `concurrency` tasks for `seconds`; returns completed calls per second.
    private func measure(_ seconds: Double, _ concurrency: Int, _ body: @escaping @Sendable (Int, Int) async throws -> Void) async throws -> Double {
        let start = ContinuousClock.now
        let deadline = start.advanced(by: .milliseconds(Int(seconds * 1000)))
        let total = try await withThrowingTaskGroup(of: Int.self) { group in
            for task in 0..<concurrency {
                group.addTask {
                    var count = 0
                    while ContinuousClock.now < deadline {
                        try await body(task, count)
                        count += 1
                    }
                    return count
                }
            }
            return try await group.reduce(0, +)
        }
        let elapsed = ContinuousClock.now - start
        return Double(total) / (Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
    }
}
