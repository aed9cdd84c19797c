import MetropoleMedia
import NIOCore

@testable import MetropoleRTMP

/// Byte fixtures taken from ffmpeg 5.1 output (libx264 64x64 High profile, AAC-LC 48 kHz mono).
enum Fixtures {
    static let avcDecoderConfiguration = bytes(
        "0164000affe100186764000aacd94426c044000003000400000300f03c48965801000468ef8fcbfdf8f800"
    )
    static let audioSpecificConfig = bytes("1188")

    /// An FLV video tag body: frame type and codec, AVC packet type, composition time, data.
    static func videoTag(frameType: UInt8 = 1, codecID: UInt8 = 7, packetType: UInt8, compositionTime: Int32 = 0, data: [UInt8]) -> ByteBuffer {
        var buffer = ByteBuffer()
        let cts = UInt32(bitPattern: compositionTime) & 0xFF_FFFF
        buffer.writeMultipleIntegers(frameType << 4 | codecID, packetType, UInt8(cts >> 16), UInt16(cts & 0xFFFF))
        buffer.writeBytes(data)
        return buffer
    }

    static func audioTag(soundFormat: UInt8 = 10, packetType: UInt8, data: [UInt8]) -> ByteBuffer {
        var buffer = ByteBuffer()
        buffer.writeMultipleIntegers(soundFormat << 4 | 0x0F, packetType)
        buffer.writeBytes(data)
        return buffer
    }

    /// One IDR NAL unit with a 4-byte length prefix.
    static let keyframeNALUnits: [UInt8] = [0, 0, 0, 5, 0x65, 0x88, 0x84, 0x00, 0x33]
    static let interNALUnits: [UInt8] = [0, 0, 0, 4, 0x41, 0x9A, 0x23, 0x10]
    static let aacFrame: [UInt8] = [0x21, 0x10, 0x04, 0x60, 0x8C, 0x1C]

    static func bytes(_ hex: String) -> [UInt8] {
        var result: [UInt8] = []
        var index = hex.startIndex
        while index < hex.endIndex {
            let next = hex.index(index, offsetBy: 2)
            result.append(UInt8(hex[index..<next], radix: 16)!)
            index = next
        }
        return result
    }
}

extension ByteBuffer {
    init(bytes: [UInt8]) {
        self.init()
        writeBytes(bytes)
    }
}

extension RTMPMessage {
    static func command(_ name: String, _ transactionID: Double, _ object: AMF0Value = .null, _ arguments: AMF0Value..., streamID: UInt32 = 0) -> RTMPMessage {
        RTMPCommand(name: name, transactionID: transactionID, commandObject: object, arguments: arguments).message(streamID: streamID)
    }

    static func video(_ body: ByteBuffer, timestamp: UInt32) -> RTMPMessage {
        RTMPMessage(type: .video, streamID: 1, timestamp: timestamp, payload: body)
    }

    static func audio(_ body: ByteBuffer, timestamp: UInt32) -> RTMPMessage {
        RTMPMessage(type: .audio, streamID: 1, timestamp: timestamp, payload: body)
    }

    static func metadata(_ properties: [AMF0Property]) -> RTMPMessage {
        var payload = ByteBuffer()
        payload.writeAMF0Value("@setDataFrame")
        payload.writeAMF0Value("onMetaData")
        payload.writeAMF0Value(.ecmaArray(properties))
        return RTMPMessage(type: .dataAMF0, streamID: 1, payload: payload)
    }

    /// The command inside, for checking replies.
    var command: RTMPCommand? {
        guard type == .commandAMF0 else { return nil }
        return try? RTMPCommand(parsing: self)
    }

    /// The `code` of an onStatus, _result or _error reply's information object.
    var statusCode: String? {
        command?.arguments.last?["code"]?.stringValue
    }
}

/// Decodes everything a channel wrote, for checking what the server sent.
struct ReplyReader {
    private var decoder = ChunkDecoder()
    private var pending = ByteBuffer()

    mutating func messages(from bytes: ByteBuffer) throws -> [RTMPMessage] {
        var bytes = bytes
        pending.writeBuffer(&bytes)
        var messages: [RTMPMessage] = []
        while let message = try decoder.nextMessage(from: &pending) {
            messages.append(message)
        }
        return messages
    }
}
