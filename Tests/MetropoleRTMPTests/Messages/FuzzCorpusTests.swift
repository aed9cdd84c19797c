import Foundation
import MetropoleMedia
import NIOCore
import Testing

@testable import MetropoleRTMP

/// The fuzzer's seed inputs are real sessions; they must decode as such, or the fuzzer
/// starts from noise.
@Suite struct FuzzCorpusTests {
    static let corpus = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/corpus")

    @Test func publishSessionSeedIsAWholeSession() throws {
        // setup: the first byte selects the chunk stream parser
        let data = try Data(contentsOf: Self.corpus.appendingPathComponent("chunk-publish-session"))
        var input = ByteBuffer(bytes: Array(data.dropFirst()))
        var decoder = ChunkDecoder()
        var machine = SessionStateMachine()
        var media: [FLVMedia] = []
        var stopped = false
        // act
        while let message = try decoder.nextMessage(from: &input) {
            switch machine.received(message) {
            case .authorize(let app, let key):
                #expect(app == "live")
                #expect(key == "key")
                _ = machine.authorized(IngestGrant(streamID: "seed"))
            case .media(let item, _):
                media.append(item)
            case .close(let reason, _):
                Issue.record("session closed: \(reason)")
            case .stopPublishing:
                stopped = true
            default:
                break
            }
        }
        // check
        #expect(input.readableBytes == 0)
        #expect(media.contains { if case .track(.avc) = $0 { true } else { false } })
        #expect(media.contains { if case .track(.aac) = $0 { true } else { false } })
        let frames = media.compactMap { if case .frame(let frame) = $0 { frame } else { nil } }
        #expect(frames.count >= 6)
        #expect(frames.last?.dts ?? 0 > 0x100_0000)
        #expect(stopped)
    }
}
