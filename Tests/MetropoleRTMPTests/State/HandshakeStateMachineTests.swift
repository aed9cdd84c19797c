import NIOCore
import Testing

@testable import MetropoleRTMP

@Suite struct HandshakeStateMachineTests {
    static func c1() -> [UInt8] {
        // A digest-style C1 as ffmpeg sends it: time, FP9 version 9.0.124.2, then bytes.
        [0, 0, 0, 0, 9, 0, 124, 2] + (0..<1528).map { UInt8(truncatingIfNeeded: $0 * 7) }
    }

    @Test func answersWithS0S1S2EchoingC1() {
        // setup
        var machine = HandshakeStateMachine()
        var input = ByteBuffer(bytes: [3] + Self.c1())
        // act
        let action = machine.receive(&input)
        // check
        guard case .send(let response) = action else {
            Issue.record("expected S0S1S2, got \(action)")
            return
        }
        #expect(response.readableBytes == 1 + 2 * 1536)
        #expect(response.getInteger(at: 0, as: UInt8.self) == 3)
        #expect(response.getBytes(at: 1 + 1536, length: 1536) == Self.c1())
        #expect(input.readableBytes == 0)
    }

    @Test func waitsForC2ThenLeavesLaterBytes() {
        var machine = HandshakeStateMachine()
        var input = ByteBuffer(bytes: [3] + Self.c1().prefix(100))
        #expect(machine.receive(&input) == .waitForMoreData)
        input.writeBytes(Self.c1().dropFirst(100))
        guard case .send = machine.receive(&input) else {
            Issue.record("expected S0S1S2")
            return
        }
        input.writeBytes([UInt8](repeating: 1, count: 1500))
        #expect(machine.receive(&input) == .waitForMoreData)
        input.writeBytes([UInt8](repeating: 1, count: 36) + [0xAA, 0xBB])
        #expect(machine.receive(&input) == .complete)
        #expect(input.readableBytesView.elementsEqual([0xAA, 0xBB]))
    }

    @Test(arguments: [(6 as UInt8, "RTMPE"), (0x16, "TLS"), (UInt8(ascii: "G"), "HTTP"), (1, "version 1")])
    func refusesOtherProtocols(_ first: UInt8, _ reason: String) {
        var machine = HandshakeStateMachine()
        var input = ByteBuffer(bytes: [first])
        guard case .fail(let message) = machine.receive(&input) else {
            Issue.record("expected a failure")
            return
        }
        #expect(message.contains(reason))
    }
}
