import Foundation
import MetropoleMedia

/// A value guarded by a lock, for recording from event loop threads.
public final class Locked<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Value

    public init(_ value: Value) {
        self.value = value
    }

    public func withValue<Result>(_ body: (inout Value) -> Result) -> Result {
        lock.lock()
        defer { lock.unlock() }
        return body(&value)
    }

    public var current: Value { withValue { $0 } }
}

/// Accepts exactly one stream key.
public struct TestAuthorizer: IngestAuthorizer {
    public var key: String
    public var streamID: String
    public let asked = Locked<[String]>([])

    public init(key: String = "secret-key", streamID: String = "alice") {
        self.key = key
        self.streamID = streamID
    }

    public func authorize(app: String, streamKey: String) async -> IngestGrant? {
        asked.withValue { $0.append("\(app)/\(streamKey)") }
        return streamKey == key ? IngestGrant(streamID: streamID) : nil
    }
}

/// Records an ingest server's sink calls in the order they arrive.
public final class RecordingSink: LiveEventSink {
    public enum Event: Sendable {
        case published(streamID: String, hub: LiveHub, metadata: PublishMetadata)
        case unpublished(streamID: String, hub: LiveHub)
    }

    public let events = Locked<[Event]>([])

    public init() {}

    public func published(streamID: String, hub: LiveHub, metadata: PublishMetadata) async {
        events.withValue { $0.append(.published(streamID: streamID, hub: hub, metadata: metadata)) }
    }

    public func unpublished(streamID: String, hub: LiveHub) async {
        events.withValue { $0.append(.unpublished(streamID: streamID, hub: hub)) }
    }

    public var published: [(hub: LiveHub, metadata: PublishMetadata)] {
        events.current.compactMap { if case .published(_, let hub, let metadata) = $0 { (hub, metadata) } else { nil } }
    }

    public var publishedHubs: [LiveHub] { published.map(\.hub) }

    public var unpublishedHubs: [LiveHub] {
        events.current.compactMap { if case .unpublished(_, let hub) = $0 { hub } else { nil } }
    }

    /// `p` and `u` with the hub's index among all hubs seen, e.g. `["p0", "u0", "p1"]`.
    public var sequence: [String] {
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
public func eventually(within seconds: Double, _ condition: () async -> Bool) async -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if await condition() { return true }
        try? await Task.sleep(for: .milliseconds(20))
    }
    return await condition()
}
