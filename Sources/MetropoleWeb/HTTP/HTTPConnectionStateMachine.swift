import NIOCore
import NIOHTTP1

/// The life of one HTTP/1.1 connection, one request at a time: NIO's `HTTPServerPipelineHandler`
/// holds back pipelined requests until the answer before them is written, so this sees a head,
/// body parts and an end, then waits for the answer. Pure: the handler performs the actions.
///
/// Every request it accepts is answered, in order, or the connection closes (NIO's protocol
/// error handler answers unparsable bytes with a 400 first). Two rules keep that true:
/// - the state moves on *before* an answer's end is written, because writing it lets the
///   pipeline handler deliver the next request at once, inside that write;
/// - once an answer says `Connection: close`, nothing after it is read as a request.
struct HTTPConnectionStateMachine {
    /// What arrived with a request head that the machine needs to decide.
    struct Head {
        var keepAlive: Bool
        /// `Content-Length`, when the request has one; a chunked body has none.
        var declaredLength: Int?
        var expectsContinue: Bool
        /// At most this many body bytes are collected for the request's route.
        var bodyLimit: Int
        /// A guest's page view the cache can answer now.
        var cachedPage: Bool
    }

    enum State: Equatable {
        /// Waiting for a request head.
        case idle
        /// Collecting a request's body; it goes to the application at its end.
        case receiving(keepAlive: Bool, collected: Int, limit: Int, cachedPage: Bool)
        /// The body is over its limit: it is read and dropped, and the 413 goes out at its end,
        /// when the connection is in step again.
        case discarding(keepAlive: Bool, dropped: Int)
        /// The application (or the page cache) is answering. `requestEnded` is false only for
        /// a 413 sent before a body the client announced but will not be let to send.
        case answering(keepAlive: Bool, requestEnded: Bool)
        /// The connection ends: an answer said `close`, or the server is stopping.
        case closed
        /// The connection is no longer HTTP (a WebSocket, an event stream).
        case takenOver
    }

    enum Action: Equatable {
        case none
        /// Send `100 Continue`: the client waits for it before sending a large body.
        case sendContinue
        /// Hand the request (with its body) to the application.
        case dispatch
        /// Answer from the page cache.
        case answerCachedPage
        /// Hand the request to the application without its body, marked as too large (413).
        case dispatchTooLarge
        /// Write the answer; unless `keepOpen`, stop writing after it (`close(mode: .output)`)
        /// and read on until the client closes: closing a socket with unread bytes resets it,
        /// and the client could lose the answer.
        case writeAnswer(keepOpen: Bool)
        /// Answer 400 (the bytes are not HTTP) and close.
        case rejectMalformed
        /// Close the connection now.
        case close
    }

    /// A refused body is read and dropped up to this size; past it the client is cut off.
    static let discardLimit = 16 * 1024 * 1024

    private(set) var state = State.idle
    /// The server is stopping: the answer in progress is the connection's last.
    private(set) var isQuiescing = false

    mutating func receivedHead(_ head: Head) -> Action {
        switch state {
        case .idle: break
        // Requests pipelined behind an answer that said `close` are not answered.
        case .closed, .takenOver: return .none
        default: return protocolViolation()
        }
        if let declared = head.declaredLength, declared > head.bodyLimit {
            // A client waiting for `100 Continue` sends nothing more; one announcing an absurd
            // body is not worth reading. Both get their 413 now and the connection ends.
            if head.expectsContinue || declared > Self.discardLimit {
                state = .answering(keepAlive: false, requestEnded: head.expectsContinue)
                return .dispatchTooLarge
            }
            state = .discarding(keepAlive: head.keepAlive, dropped: 0)
            return .none
        }
        state = .receiving(keepAlive: head.keepAlive, collected: 0, limit: head.bodyLimit,
                           cachedPage: head.cachedPage && (head.declaredLength ?? 0) == 0)
        return head.expectsContinue ? .sendContinue : .none
    }

    mutating func receivedBody(count: Int) -> Action {
        switch state {
        case .receiving(let keepAlive, let collected, let limit, _):
            if collected + count > limit {
                state = .discarding(keepAlive: keepAlive, dropped: collected + count)
            } else {
                // A body, however small, means the request is not a bodiless page view.
                state = .receiving(keepAlive: keepAlive, collected: collected + count, limit: limit, cachedPage: false)
            }
            return .none
        case .discarding(let keepAlive, let dropped):
            guard dropped + count <= Self.discardLimit else { return close() }
            state = .discarding(keepAlive: keepAlive, dropped: dropped + count)
            return .none
        case .answering(_, false), .closed, .takenOver:
            return .none
        case .idle, .answering:
            return protocolViolation()
        }
    }

    mutating func receivedEnd() -> Action {
        switch state {
        case .receiving(let keepAlive, _, _, let cachedPage):
            state = .answering(keepAlive: keepAlive, requestEnded: true)
            return cachedPage ? .answerCachedPage : .dispatch
        case .discarding(let keepAlive, _):
            state = .answering(keepAlive: keepAlive, requestEnded: true)
            return .dispatchTooLarge
        case .answering(let keepAlive, false):
            state = .answering(keepAlive: keepAlive, requestEnded: true)
            return .none
        case .closed, .takenOver:
            return .none
        case .idle, .answering:
            return protocolViolation()
        }
    }

    /// The answer is ready. `keepAlive` is false when the answer itself ends the connection.
    mutating func answerReady(keepAlive: Bool) -> Action {
        guard case .answering(let requested, let requestEnded) = state else { return .none }
        if requested && keepAlive && requestEnded && !isQuiescing {
            state = .idle
            return .writeAnswer(keepOpen: true)
        }
        state = .closed
        return .writeAnswer(keepOpen: false)
    }

    /// The answer's head is written and the connection now belongs to someone else.
    mutating func tookOver() {
        state = .takenOver
    }

    /// The parser gave up on the bytes. A malformed request is answered 400; bytes after an
    /// answer that ended the connection, or in the middle of an answer, are not answered.
    mutating func parseFailed() -> Action {
        switch state {
        case .idle, .receiving, .discarding:
            state = .closed
            return .rejectMalformed
        case .answering, .closed, .takenOver:
            return close()
        }
    }

    /// The server is shutting down.
    mutating func quiesce() -> Action {
        isQuiescing = true
        if case .idle = state { return close() }
        return .none
    }

    private mutating func close() -> Action {
        state = .closed
        return .close
    }

    /// Parts out of order: `HTTPServerPipelineHandler` never delivers them, so this only
    /// guards against a bug; the connection ends rather than answering the wrong request.
    private mutating func protocolViolation() -> Action {
        close()
    }
}
