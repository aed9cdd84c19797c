import NIOConcurrencyHelpers
import NIOCore

/// One WebSocket viewer's bounded queue. The publisher's thread only appends under this
/// viewer's own lock and never waits for the viewer; the viewer's task drains everything at once.
final class Subscriber: Sendable {
    let id: Int
    private let state: NIOLockedValueBox<State>

    private struct State {
        var initSegment: ByteBuffer?
        var queue: [Fragment] = []
        var queuedBytes = 0
        /// After an overflow, fragments are skipped until one a decoder can start from.
        var skippingToRandomAccess = false
        var overflows = 0
        var terminal: LiveDelivery?
        /// Set once the terminal delivery has been handed out or the viewer closed.
        var isFinished = false
        var waiter: CheckedContinuation<Void, Never>?
    }

    enum EnqueueResult {
        case queued
        /// This viewer is over its limit once too often and must be removed from the hub.
        case dropped
    }

    init(id: Int, initSegment: ByteBuffer?, cachedGOP: [Fragment], startsAtRandomAccess: Bool) {
        self.id = id
        var state = State(initSegment: initSegment, queue: cachedGOP)
        state.queuedBytes = cachedGOP.reduce(0) { $0 + $1.byteCount }
        state.skippingToRandomAccess = !startsAtRandomAccess
        self.state = NIOLockedValueBox(state)
    }

    /// Called by the hub on the publisher's thread.
    func enqueue(_ fragment: Fragment, isRandomAccess: Bool, limit: Int, overflowLimit: Int) -> EnqueueResult {
        let (result, waiter): (EnqueueResult, CheckedContinuation<Void, Never>?) = state.withLockedValue { state in
            guard !state.isFinished, state.terminal == nil else { return (.queued, nil) }
            if state.skippingToRandomAccess {
                guard isRandomAccess else { return (.queued, nil) }
                state.skippingToRandomAccess = false
            }
            if state.queuedBytes + fragment.byteCount > limit {
                state.overflows += 1
                state.queue.removeAll()
                state.queuedBytes = 0
                if state.overflows >= overflowLimit {
                    state.terminal = .dropped
                    let waiter = state.waiter
                    state.waiter = nil
                    return (.dropped, waiter)
                }
                guard isRandomAccess else {
                    state.skippingToRandomAccess = true
                    return (.queued, nil)
                }
            }
            state.queue.append(fragment)
            state.queuedBytes += fragment.byteCount
            let waiter = state.waiter
            state.waiter = nil
            return (.queued, waiter)
        }
        waiter?.resume()
        return result
    }

    /// Hands the init segment to a viewer that subscribed before the stream had one.
    func deliverInitSegment(_ initSegment: ByteBuffer) {
        let waiter: CheckedContinuation<Void, Never>? = state.withLockedValue { state in
            guard !state.isFinished, state.terminal == nil else { return nil }
            state.initSegment = initSegment
            // Anything queued belonged to no init segment the viewer has; start clean.
            state.queue.removeAll()
            state.queuedBytes = 0
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume()
    }

    /// Ends the subscription. `.end` lets what is queued go out first; the other reasons
    /// discard it, since the viewer will not play it.
    func terminate(_ delivery: LiveDelivery) {
        let waiter: CheckedContinuation<Void, Never>? = state.withLockedValue { state in
            guard !state.isFinished, state.terminal == nil else { return nil }
            if case .end = delivery {} else {
                state.queue.removeAll()
                state.queuedBytes = 0
                state.initSegment = nil
            }
            state.terminal = delivery
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume()
    }

    /// The viewer went away: nothing more is delivered, a pending `next()` returns `nil`.
    func close() {
        let waiter: CheckedContinuation<Void, Never>? = state.withLockedValue { state in
            state.isFinished = true
            state.queue.removeAll()
            state.queuedBytes = 0
            state.initSegment = nil
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume()
    }

    var queuedBytes: Int { state.withLockedValue { $0.queuedBytes } }

    /// The next delivery, waiting for one; `nil` after the terminal delivery or `close()`.
    func next() async -> LiveDelivery? {
        while true {
            switch take() {
            case .delivery(let delivery): return delivery
            case .finished: return nil
            case .empty: break
            }
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let ready = state.withLockedValue { state in
                    if state.isFinished || state.terminal != nil || state.initSegment != nil || !state.queue.isEmpty {
                        return true
                    }
                    state.waiter = continuation
                    return false
                }
                if ready { continuation.resume() }
            }
        }
    }

    private enum Take {
        case delivery(LiveDelivery)
        case finished
        case empty
    }

    private func take() -> Take {
        state.withLockedValue { state in
            if state.isFinished { return .finished }
            if let initSegment = state.initSegment {
                state.initSegment = nil
                return .delivery(.initSegment(initSegment))
            }
            if !state.queue.isEmpty {
                let batch = state.queue
                state.queue = []
                state.queue.reserveCapacity(batch.count)
                state.queuedBytes = 0
                return .delivery(.fragments(batch))
            }
            if let terminal = state.terminal {
                state.isFinished = true
                return .delivery(terminal)
            }
            return .empty
        }
    }
}
