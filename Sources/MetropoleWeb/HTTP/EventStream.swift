import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import Vapor

/// Something that feeds server-sent events to the connections it is given. A handler answers
/// with `request.streamEvents(from:)`; the HTTP edge writes the answer's head and gives the
/// connection to the stream, which writes events until either side ends it.
protocol EventStream: Sendable {
    func open(_ connection: EventStreamConnection)
}

extension Request {
    private struct EventStreamKey: StorageKey { typealias Value = any EventStream }

    /// The stream this request's answer continues with, if any.
    var eventStream: (any EventStream)? { storage[EventStreamKey.self] }

    /// An answer of `text/event-stream` that goes on with what `stream` sends.
    func streamEvents(from stream: any EventStream) -> Response {
        storage[EventStreamKey.self] = stream
        var headers = HTTPHeaders()
        headers.replaceOrAdd(name: .contentType, value: "text/event-stream")
        headers.replaceOrAdd(name: .cacheControl, value: "no-cache")
        headers.replaceOrAdd(name: "X-Accel-Buffering", value: "no")
        return Response(status: .ok, headers: headers)
    }
}

/// One open event stream, written from any thread. A reader that falls a whole send buffer
/// behind misses nothing silently: it is closed, and its page reconnects and reloads what it
/// shows (the same slow-reader rule as WebSockets, `SlowReaderPolicy`).
final class EventStreamConnection: Sendable {
    private let channel: any Channel
    private let context: NIOLoopBound<ChannelHandlerContext>
    private let state: NIOLockedValueBox<State>

    private struct State {
        var isOpen = true
        var onClose: [@Sendable () -> Void] = []
    }

    init(context: ChannelHandlerContext) {
        channel = context.channel
        self.context = NIOLoopBound(context, eventLoop: context.eventLoop)
        state = NIOLockedValueBox(State())
        context.channel.setOption(ChannelOptions.writeBufferWaterMark, value: SlowReaderPolicy.events.waterMark).whenFailure { _ in }
    }

    var isOpen: Bool { state.withLockedValue { $0.isOpen } }

    /// Runs once the stream ends, at once if it already has.
    func onClose(_ action: @escaping @Sendable () -> Void) {
        let run = state.withLockedValue { state in
            guard state.isOpen else { return true }
            state.onClose.append(action)
            return false
        }
        if run { action() }
    }

    /// Sends bytes already in the `text/event-stream` format.
    func send(_ bytes: ByteBuffer) {
        guard isOpen else { return }
        let context = context
        channel.eventLoop.execute {
            let context = context.value
            guard context.channel.isWritable else { return self.close() }
            context.writeAndFlush(NIOAny(HTTPServerResponsePart.body(.byteBuffer(bytes))), promise: nil)
        }
    }

    /// Ends the stream (server shutdown, a reader that stopped reading).
    func close() {
        let context = context
        channel.eventLoop.execute {
            let context = context.value
            context.writeAndFlush(NIOAny(HTTPServerResponsePart.end(nil)), promise: nil)
            context.close(promise: nil)
        }
    }

    /// The connection is gone.
    func closed() {
        let actions = state.withLockedValue { state in
            defer { state = State(isOpen: false, onClose: []) }
            return state.onClose
        }
        for action in actions { action() }
    }
}
