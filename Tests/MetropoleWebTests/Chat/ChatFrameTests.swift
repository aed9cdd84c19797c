import Foundation
import NIOCore
import Testing
@testable import MetropoleWeb

@Suite struct ChatFrameTests {
    @Test(arguments: [0, 5, 125, 126, 65535, 65536])
    func textFramesHaveTheRightHeader(length: Int) {
        let payload = ByteBuffer(repeating: UInt8(ascii: "a"), count: length)
        var frame = WebSocketFrameBytes.text(payload)
        #expect(frame.readInteger(as: UInt8.self) == 0x81, "FIN + text")
        let marker = frame.readInteger(as: UInt8.self) ?? 0
        #expect(marker & 0x80 == 0, "server frames are not masked")
        let decoded: Int = switch marker {
        case 126: Int(frame.readInteger(as: UInt16.self) ?? 0)
        case 127: Int(frame.readInteger(as: UInt64.self) ?? 0)
        default: Int(marker)
        }
        #expect(decoded == length)
        #expect(frame.readableBytes == length)
    }

    @Test func closeFrameCarriesTheCode() {
        var frame = WebSocketFrameBytes.close(code: 4003)
        #expect(frame.readBytes(length: 2) == [0x88, 2])
        #expect(frame.readInteger(as: UInt16.self) == 4003)
    }

    @Test func messageJSONEscapesTextAndCarriesColor() throws {
        let record = ChatRecord(id: UUID(), channelOwnerID: UUID(), userID: UUID(), username: "Alice",
                                text: #"<img src=x onerror="alert(1)">"#, isStreamer: true, sentAt: Date(timeIntervalSince1970: 0))
        let buffer = ChatFrame.json(ChatFrame.Message(record))
        let object = try #require(try JSONSerialization.jsonObject(with: Data(buffer: buffer)) as? [String: Any])
        #expect(object["type"] as? String == "message")
        #expect(object["text"] as? String == record.text)
        #expect(object["color"] as? String == ChatColors.color(forUsername: "alice"))
        #expect(object["isStreamer"] as? Bool == true)
        #expect(object["sentAt"] as? String == "1970-01-01T00:00:00.000Z")
    }

    @Test func errorFrameHasRetryAfterOnlyWhenItApplies() throws {
        let slow = try JSONSerialization.jsonObject(with: Data(buffer: ChatFrame.json(ChatFrame.Failure(.slowMode(retryAfter: 4))))) as? [String: Any]
        #expect(slow?["code"] as? String == "slow_mode" && slow?["retryAfter"] as? Int == 4)
        let empty = try JSONSerialization.jsonObject(with: Data(buffer: ChatFrame.json(ChatFrame.Failure(.empty)))) as? [String: Any]
        #expect(empty?["code"] as? String == "empty" && empty?["retryAfter"] == nil)
    }
}
