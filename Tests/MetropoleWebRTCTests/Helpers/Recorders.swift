import Foundation
import MetropoleMedia

/// A value guarded by a lock, for recording from event loop threads.
final class Locked<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Value

    init(_ value: Value) {
        self.value = value
    }

    func withValue<Result>(_ body: (inout Value) -> Result) -> Result {
        lock.lock()
        defer { lock.unlock() }
        return body(&value)
    }

    var current: Value { withValue { $0 } }
}

/// Accepts exactly one stream key.
struct TestAuthorizer: IngestAuthorizer {
    var key: String
    var streamID: String
    let asked = Locked<[String]>([])

    init(key: String = "secret-key", streamID: String = "alice") {
        self.key = key
        self.streamID = streamID
    }

    func authorize(app: String, streamKey: String) async -> IngestGrant? {
        asked.withValue { $0.append("\(app)/\(streamKey)") }
        return streamKey == key ? IngestGrant(streamID: streamID) : nil
    }
}

/// Records sink calls in the order they arrive.
final class RecordingSink: LiveEventSink {
    enum Event: Sendable {
        case published(streamID: String, hub: LiveHub, metadata: PublishMetadata)
        case unpublished(streamID: String, hub: LiveHub)
    }

    let events = Locked<[Event]>([])

    func published(streamID: String, hub: LiveHub, metadata: PublishMetadata) async {
        events.withValue { $0.append(.published(streamID: streamID, hub: hub, metadata: metadata)) }
    }

    func unpublished(streamID: String, hub: LiveHub) async {
        events.withValue { $0.append(.unpublished(streamID: streamID, hub: hub)) }
    }

    var published: [(hub: LiveHub, metadata: PublishMetadata)] {
        events.current.compactMap { if case .published(_, let hub, let metadata) = $0 { (hub, metadata) } else { nil } }
    }

    var unpublishedHubs: [LiveHub] {
        events.current.compactMap { if case .unpublished(_, let hub) = $0 { hub } else { nil } }
    }

    /// `p` and `u` with the hub's index among all hubs seen, e.g. `["p0", "u0", "p1"]`.
    var sequence: [String] {
        var hubs: [ObjectIdentifier] = []
        return events.current.map { event in
            let (mark, hub): (String, LiveHub) = switch event {
            case .published(_, let hub, _): ("p", hub)
            case .unpublished(_, let hub): ("u", hub)
            }
            if !hubs.contains(ObjectIdentifier(hub)) { hubs.append(ObjectIdentifier(hub)) }
            return "\(mark)\(hubs.firstIndex(of: ObjectIdentifier(hub))!)"
        }
    }
}

/// Polls until `condition` holds or `seconds` pass.
func eventually(within seconds: Double, _ condition: () async -> Bool) async -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if await condition() { return true }
        try? await Task.sleep(for: .milliseconds(20))
    }
    return await condition()
}
