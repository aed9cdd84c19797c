import Fluent
import Logging
import Foundation
import NIOConcurrencyHelpers
import Testing
@testable import MetropoleWeb

@Suite struct EventSequencerTests {
    @Test func handsOutRowsOnceInIdOrder() {
        var sequencer = EventSequencer(after: 10)
        let now = Date()
        #expect(sequencer.take([(11, "a"), (12, "b")], now: now) == ["a", "b"])
        // The next query overlaps the last one: nothing is handed out twice.
        #expect(sequencer.take([(12, "b"), (13, "c")], now: now) == ["c"])
        #expect(sequencer.last == 13)
    }

    @Test func waitsForALowerIdStillCommitting() {
        var sequencer = EventSequencer(after: 0)
        let now = Date()
        #expect(sequencer.take([(2, "b")], now: now).isEmpty)
        #expect(sequencer.take([(2, "b"), (3, "c")], now: now.addingTimeInterval(0.5)).isEmpty)
        #expect(sequencer.take([(1, "a"), (2, "b"), (3, "c")], now: now.addingTimeInterval(0.6)) == ["a", "b", "c"])
    }

    @Test func skipsAGapThatNeverFills() {
        var sequencer = EventSequencer(after: 0)
        let now = Date()
        #expect(sequencer.take([(2, "b")], now: now).isEmpty)
        #expect(sequencer.take([(2, "b")], now: now.addingTimeInterval(EventSequencer.patience)) == ["b"])
        // A row for the skipped id turning up afterwards is not handed out out of order.
        #expect(sequencer.take([(1, "late"), (3, "c")], now: now.addingTimeInterval(1.1)) == ["c"])
    }
}

@Suite struct ClusterEventTests {
    @Test func chatRecordsSurviveTheWireToTheMillisecond() throws {
        let record = ChatRecord(id: UUID(), channelOwnerID: UUID(), userID: UUID(), username: "bob", text: "hé \"quoted\" <b>",
                                isStreamer: false, sentAt: Date(timeIntervalSince1970: 1_800_000_000.123))
        let event = ClusterEvent(origin: UUID(), change: .chat(record))
        #expect(ClusterEvent.decode(try event.encoded()) == event)
    }

    @Test func foreignPayloadsAreIgnored() {
        #expect(ClusterEvent.decode("hello") == nil)
        #expect(ClusterEvent.decode(#"{"origin":"x","change":{}}"#) == nil)
    }

    @Test func onlyChatIsOrdered() {
        #expect(chat("b").isOrdered)
        #expect(!ClusterEvent.Change.listings.isOrdered)
        #expect(!ClusterEvent.Change.live(username: "a", isLive: true, node: nil).isOrdered)
    }
}

/// Two nodes on one database through the events table: the transport MySQL/MariaDB sites use,
/// run here on whatever backend the suite runs on.
@Suite struct TableEventTransportTests {
    @Test func twoNodesSeeEveryEventOnceInOneOrder() async throws {
        try await withTestApp { app in
            let a = Cluster(transport: TableEventTransport(database: { app.db }, logger: app.logger), logger: app.logger)
            let b = Cluster(transport: TableEventTransport(database: { app.db }, logger: app.logger), logger: app.logger)
            let seenByA = NIOLockedValueBox([String]()), seenByB = NIOLockedValueBox([String]())
            let unorderedAtA = NIOLockedValueBox([Bool]())
            a.on { event, fromHere in
                if case .chat(let record) = event.change { seenByA.withLockedValue { $0.append(record.text) } }
                if case .listings = event.change { unorderedAtA.withLockedValue { $0.append(fromHere) } }
            }
            b.on { event, _ in
                if case .chat(let record) = event.change { seenByB.withLockedValue { $0.append(record.text) } }
            }
            try await a.start()
            try await b.start()
            for index in 0..<20 {
                a.publish(chat("a\(index)"))
                b.publish(chat("b\(index)"))
            }
            a.publish(.listings)
            _ = await eventually { seenByA.withLockedValue { $0.count } >= 40 && seenByB.withLockedValue { $0.count } >= 40 }
            let atA = seenByA.withLockedValue { $0 }, atB = seenByB.withLockedValue { $0 }
            #expect(atA.count == 40)
            #expect(atA == atB, "both nodes see one order")
            // Each node's own messages keep the order it sent them in.
            #expect(atA.filter { $0.hasPrefix("a") } == (0..<20).map { "a\($0)" })
            #expect(atA.filter { $0.hasPrefix("b") } == (0..<20).map { "b\($0)" })
            // An unordered change is applied where it happened at once, and not again when it comes back.
            try await Task.sleep(for: .milliseconds(300))
            #expect(unorderedAtA.withLockedValue { $0 } == [true])
            await a.stop()
            await b.stop()
        }
    }
}

/// A transport that keeps what it is given and hands it straight back.
private final class LoopbackTransport: EventTransport, @unchecked Sendable {
    let batches = NIOLockedValueBox([[String]]())
    private let receiver = NIOLockedValueBox<(@Sendable ([String]) -> Void)?>(nil)

    func start(_ receive: @escaping @Sendable ([String]) -> Void) async throws { receiver.withLockedValue { $0 = receive } }

    func publish(_ payloads: [String]) async throws {
        batches.withLockedValue { $0.append(payloads) }
        try await Task.sleep(for: .milliseconds(5))  // a round trip, so events pile up
        receiver.withLockedValue { $0 }?(payloads)
    }

    func stop() async {}
}

@Suite struct ClusterBatchTests {
    @Test func aFloodLeavesInBoundedBatchesInOrder() async throws {
        let transport = LoopbackTransport()
        let cluster = Cluster(transport: transport, logger: Logger(label: "test"))
        let delivered = NIOLockedValueBox([String]())
        cluster.on { event, _ in
            if case .chat(let record) = event.change { delivered.withLockedValue { $0.append(record.text) } }
        }
        try await cluster.start()
        for index in 0..<2000 { cluster.publish(chat("\(index)")) }
        _ = await eventually { delivered.withLockedValue { $0.count } >= 2000 }
        #expect(delivered.withLockedValue { $0 } == (0..<2000).map(String.init))
        let sizes = transport.batches.withLockedValue { $0.map(\.count) }
        #expect(sizes.allSatisfy { $0 <= Cluster.batchLimit })
        #expect(sizes.count < 2000, "events that piled up went together")
    }
}

/// The PostgreSQL transport itself, when the suite runs on PostgreSQL: a flood bigger than one
/// statement may hold arrives whole and in order at another node.
@Suite struct PostgresEventTransportTests {
    @Test func aFloodReachesAnotherNodeWholeAndInOrder() async throws {
        try await withTestApp { app in
            guard case .postgres = app.metropole.database else { return }
            let a = try #require(try Cluster.transport(for: app.metropole.database, app: app))
            let b = try #require(try Cluster.transport(for: app.metropole.database, app: app))
            let sender = Cluster(transport: a, logger: app.logger), listener = Cluster(transport: b, logger: app.logger)
            let seen = NIOLockedValueBox([String]())
            listener.on { event, _ in
                if case .chat(let record) = event.change { seen.withLockedValue { $0.append(record.text) } }
            }
            try await sender.start()
            try await listener.start()
            for index in 0..<5000 { sender.publish(chat("\(index)")) }
            _ = await eventually(seconds: 20) { seen.withLockedValue { $0.count } >= 5000 }
            #expect(seen.withLockedValue { $0 } == (0..<5000).map(String.init))
            await sender.stop()
            await listener.stop()
        }
    }
}

/// Two registries on one database, driven beat by beat with the clocks they would read.
@Suite struct NodeRegistryTests {
    @Test func aNodeIsJudgedByItsHeartbeatMovingNotByItsClock() async throws {
        try await withTestApp { app in
            // The lowest id sweeps; the app's own node, on a shared database, has a random one.
            let sweeper = NodeRegistry(nodeID: UUID(uuidString: "00000000-0000-0000-0000-000000000001")!, database: { app.db }, logger: app.logger)
            let slow = NodeRegistry(nodeID: UUID(uuidString: "FFFFFFFF-0000-0000-0000-000000000000")!, database: { app.db }, logger: app.logger)
            let gone = NIOLockedValueBox([UUID]()), rejoined = NIOLockedValueBox(0)
            let hooks = NodeRegistry.Hooks(streamCount: { 0 }, takeOffline: { _, _ in },
                                           nodeGone: { id in gone.withLockedValue { $0.append(id) } },
                                           rejoined: { rejoined.withLockedValue { $0 += 1 } })
            let advert = NodeRegistry.Advert(role: .ingest, url: URL(string: "http://127.0.0.1:9")!, rtmpURL: nil, capacity: 10)
            try await sweeper.register(advert, hooks: hooks)
            try await slow.register(advert, hooks: hooks)
            let start = Date()
            func at(_ round: Int) -> Date { start.addingTimeInterval(Double(round) * 0.25) }
            // act: the slow node's clock is an hour behind, and it beats for 3 s
            for round in 0..<12 {
                await slow.beat(now: at(round).addingTimeInterval(-3600))
                await sweeper.beat(now: at(round))
                #expect(sweeper.peer(slow.nodeID) != nil, "beating, so alive, at round \(round)")
            }
            #expect(sweeper.sweeps && !slow.sweeps)
            // then falls silent: dead once its heartbeat has not moved for 2 s of the sweeper's time
            for round in 12..<18 { await sweeper.beat(now: at(round)) }
            #expect(sweeper.peer(slow.nodeID) != nil, "1.5 s of silence is not yet dead")
            for round in 18..<22 { await sweeper.beat(now: at(round)) }
            // check
            #expect(sweeper.peer(slow.nodeID) == nil)
            #expect(gone.withLockedValue { $0 } == [slow.nodeID])
            #expect(try await SiteNode.find(slow.nodeID, on: app.db) == nil, "the sweeper deleted its row")
            // A node that finds itself swept (it had stalled) registers again and is alive at once.
            await slow.beat(now: Date().addingTimeInterval(-3600))
            #expect(rejoined.withLockedValue { $0 } == 1)
            await sweeper.beat(now: at(22))
            #expect(sweeper.peer(slow.nodeID) != nil)
        }
    }
}

/// A chat message as a change, the only ordered kind.
private func chat(_ text: String) -> ClusterEvent.Change {
    .chat(ChatRecord(id: UUID(), channelOwnerID: UUID(), userID: UUID(), username: "u", text: text, isStreamer: false, sentAt: Date()))
}
