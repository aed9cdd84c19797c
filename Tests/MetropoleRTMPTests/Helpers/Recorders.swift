import Foundation
import MetropoleMedia

@testable import MetropoleRTMP

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

    var publishedHubs: [LiveHub] {
        events.current.compactMap { if case .published(_, let hub, _) = $0 { hub } else { nil } }
    }

    var unpublishedHubs: [LiveHub] {
        events.current.compactMap { if case .unpublished(_, let hub) = $0 { hub } else { nil } }
    }
}

/// Records what the server fed into hubs.
final class MediaRecorder: Sendable {
    let tracks = Locked<[TrackConfig]>([])
    let frames = Locked<[MediaFrame]>([])

    var tap: @Sendable (String, FLVMedia) -> Void {
        { [self] _, media in
            switch media {
            case .track(let config): tracks.withValue { $0.append(config) }
            case .frame(let frame): frames.withValue { $0.append(frame) }
            }
        }
    }

    func frames(of kind: TrackKind) -> [MediaFrame] {
        frames.current.filter { $0.kind == kind }
    }
}

/// Polls until `condition` holds or `seconds` pass.
func eventually(within seconds: Double, _ condition: () -> Bool) async -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if condition() { return true }
        try? await Task.sleep(for: .milliseconds(20))
    }
    return condition()
}
