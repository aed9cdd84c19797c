/// Runs sink notifications one after another, in the order the event loop made them, so a
/// taken-over stream's `unpublished` always reaches the app before its successor's
/// `published` (the `LiveEventSink` contract).
struct SinkQueue {
    private var tail: Task<Void, Never>?

    mutating func enqueue(_ operation: @escaping @Sendable () async -> Void) {
        let previous = tail
        tail = Task {
            await previous?.value
            await operation()
        }
    }

    /// Completes once everything enqueued so far has run; nil when nothing ever was.
    var drained: Task<Void, Never>? { tail }
}
