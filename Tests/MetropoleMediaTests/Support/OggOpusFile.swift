import NIOCore

/// Reads an Ogg Opus file (RFC 7845, as `ffmpeg -c:a libopus -f ogg` writes it) into its
/// identification header and audio packets. Test-only.
enum OggOpusFile {
    struct Malformed: Error {}

    struct Contents {
        /// OpusHead's channel count and pre-skip.
        var channelCount: Int
        var preSkip: UInt16
        var packets: [ByteBuffer]
    }

    static func read(_ bytes: [UInt8]) throws -> Contents {
        var buffer = ByteBuffer(bytes: bytes)
        var packets: [ByteBuffer] = []
        var partial = ByteBuffer()
        while buffer.readableBytes > 0 {
            guard buffer.readString(length: 4) == "OggS", buffer.readBytes(length: 22) != nil,
                  let segmentCount = buffer.readInteger(as: UInt8.self),
                  let lacing = buffer.readBytes(length: Int(segmentCount))
            else { throw Malformed() }
            // A packet is the segments up to one shorter than 255; a 255 continues it.
            for length in lacing {
                guard var segment = buffer.readSlice(length: Int(length)) else { throw Malformed() }
                partial.writeBuffer(&segment)
                if length < 255 {
                    packets.append(partial)
                    partial = ByteBuffer()
                }
            }
        }
        guard packets.count >= 2, packets[0].getString(at: 0, length: 8) == "OpusHead",
              let channels = packets[0].getInteger(at: 9, as: UInt8.self),
              let preSkip = packets[0].getInteger(at: 10, endianness: .little, as: UInt16.self)
        else { throw Malformed() }
        return Contents(channelCount: Int(channels), preSkip: preSkip, packets: Array(packets.dropFirst(2)))
    }
}
