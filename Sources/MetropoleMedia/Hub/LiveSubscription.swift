/// A WebSocket viewer's feed from a `LiveHub`: an `AsyncSequence` of `LiveDelivery` that ends
/// after its terminal delivery (`.end`, `.dropped`, `.restart`) or after `close()`.
///
/// Iterate it from one task. Each `next()` returns everything queued since the previous call,
/// so a viewer that keeps up gets one fragment at a time and one that lags gets a batch.
/// Cancelling the iterating task closes the subscription.
public struct LiveSubscription: AsyncSequence, Sendable {
    public typealias Element = LiveDelivery

    private let hub: LiveHub
    private let subscriber: Subscriber

    init(hub: LiveHub, subscriber: Subscriber) {
        self.hub = hub
        self.subscriber = subscriber
    }

    /// Stops delivery and leaves the hub; a pending `next()` returns `nil`.
    public func close() {
        hub.unsubscribe(subscriber)
    }

    /// Bytes waiting for this viewer, e.g. for diagnostics.
    public var queuedBytes: Int { subscriber.queuedBytes }

    public func makeAsyncIterator() -> Iterator {
        Iterator(subscription: self)
    }

    public struct Iterator: AsyncIteratorProtocol, Sendable {
        let subscription: LiveSubscription

        public mutating func next() async -> LiveDelivery? {
            let subscription = subscription
            return await withTaskCancellationHandler {
                await subscription.subscriber.next()
            } onCancel: {
                subscription.close()
            }
        }
    }
}
