import NIOCore
import Testing

@testable import MetropoleChatLoad

@Suite struct BenchTextTests {
    @Test func findsPhaseAndSendTimeInTheServersMessageJSON() {
        // setup: a chat message as the server fans it out.
        let json = ##"{"type":"message","id":"m1","username":"bench","color":"#aa3355","text":"b2 123456789012","isStreamer":true}"##
        // act
        let parsed = BenchText.parse(ByteBuffer(string: json))
        // check
        #expect(parsed?.0 == 2)
        #expect(parsed?.1 == 123_456_789_012)
    }

    @Test(arguments: [
        #"{"type":"hello","you":{"username":"guest"}}"#,
        #"{"type":"message","text":"hello there"}"#,
        #"{"type":"message","text":"b12"}"#,
    ])
    func ignoresEveryOtherFrame(json: String) {
        #expect(BenchText.parse(ByteBuffer(string: json)) == nil)
    }
}
