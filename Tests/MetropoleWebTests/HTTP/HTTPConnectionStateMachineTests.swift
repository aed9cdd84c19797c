import Testing
@testable import MetropoleWeb

/// The connection's decisions, without a channel.
@Suite struct HTTPConnectionStateMachineTests {
    typealias Machine = HTTPConnectionStateMachine

    static func head(keepAlive: Bool = true, length: Int? = nil, expects: Bool = false, limit: Int = 100,
                     cached: Bool = false) -> Machine.Head {
        Machine.Head(keepAlive: keepAlive, declaredLength: length, expectsContinue: expects, bodyLimit: limit, cachedPage: cached)
    }

    @Test func aRequestIsAnsweredThenTheNextOneIsRead() {
        var machine = Machine()
        #expect(machine.receivedHead(Self.head(length: 5)) == .none)
        #expect(machine.receivedBody(count: 5) == .none)
        #expect(machine.receivedEnd() == .dispatch)
        // The state is idle before the answer's end is written: the pipeline handler may
        // deliver the next request from inside that write.
        #expect(machine.answerReady(keepAlive: true) == .writeAnswer(keepOpen: true))
        #expect(machine.state == .idle)
        #expect(machine.receivedHead(Self.head()) == .none)
    }

    @Test func aCachedPageNeedsABodilessRequest() {
        var machine = Machine()
        _ = machine.receivedHead(Self.head(cached: true))
        #expect(machine.receivedEnd() == .answerCachedPage)
        _ = machine.answerReady(keepAlive: true)
        _ = machine.receivedHead(Self.head(cached: true))
        _ = machine.receivedBody(count: 1)
        #expect(machine.receivedEnd() == .dispatch)
    }

    @Test func closeAnswersEndTheConnectionAndNothingAfterIsAnswered() {
        var machine = Machine()
        _ = machine.receivedHead(Self.head(keepAlive: false))
        #expect(machine.receivedEnd() == .dispatch)
        #expect(machine.answerReady(keepAlive: true) == .writeAnswer(keepOpen: false))
        #expect(machine.receivedHead(Self.head()) == .none)
        #expect(machine.receivedEnd() == .none)
        #expect(machine.answerReady(keepAlive: true) == .none)
        // An answer that itself says close does the same.
        var other = Machine()
        _ = other.receivedHead(Self.head())
        _ = other.receivedEnd()
        #expect(other.answerReady(keepAlive: false) == .writeAnswer(keepOpen: false))
    }

    @Test func anOversizedBodyIsReadAndDroppedThenRefusedInStep() {
        var machine = Machine()
        #expect(machine.receivedHead(Self.head(length: 150)) == .none)
        #expect(machine.receivedBody(count: 150) == .none)
        #expect(machine.receivedEnd() == .dispatchTooLarge)
        #expect(machine.answerReady(keepAlive: true) == .writeAnswer(keepOpen: true))
        // Chunked: no length, found out while collecting.
        _ = machine.receivedHead(Self.head())
        _ = machine.receivedBody(count: 60)
        _ = machine.receivedBody(count: 60)
        #expect(machine.state == .discarding(keepAlive: true, dropped: 120))
        #expect(machine.receivedEnd() == .dispatchTooLarge)
    }

    @Test func aClientWaitingForContinueOrAnnouncingAnAbsurdBodyIsRefusedAtOnce() {
        var waiting = Machine()
        #expect(waiting.receivedHead(Self.head(length: 150, expects: true)) == .dispatchTooLarge)
        #expect(waiting.answerReady(keepAlive: true) == .writeAnswer(keepOpen: false))
        var absurd = Machine()
        #expect(absurd.receivedHead(Self.head(length: Machine.discardLimit + 1)) == .dispatchTooLarge)
        #expect(absurd.receivedBody(count: 1000) == .none)
        #expect(absurd.answerReady(keepAlive: true) == .writeAnswer(keepOpen: false))
        var accepted = Machine()
        #expect(accepted.receivedHead(Self.head(length: 50, expects: true)) == .sendContinue)
    }

    @Test func aBodyThatNeverEndsIsCutOff() {
        var machine = Machine()
        _ = machine.receivedHead(Self.head(limit: 10))
        #expect(machine.receivedBody(count: Machine.discardLimit) == .none)
        #expect(machine.receivedBody(count: 1) == .close)
    }

    @Test func stoppingClosesIdleConnectionsAndEndsBusyOnesAfterTheirAnswer() {
        var idle = Machine()
        #expect(idle.quiesce() == .close)
        var busy = Machine()
        _ = busy.receivedHead(Self.head())
        _ = busy.receivedEnd()
        #expect(busy.quiesce() == .none)
        #expect(busy.answerReady(keepAlive: true) == .writeAnswer(keepOpen: false))
    }

    @Test func partsOutOfOrderCloseRatherThanAnswerTheWrongRequest() {
        var machine = Machine()
        #expect(machine.receivedEnd() == .close)
        var answering = Machine()
        _ = answering.receivedHead(Self.head())
        _ = answering.receivedEnd()
        #expect(answering.receivedHead(Self.head()) == .close)
    }
}
