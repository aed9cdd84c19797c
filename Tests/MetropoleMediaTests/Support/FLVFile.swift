import MetropoleMedia
import NIOCore

/// Reads an FLV file (as ffmpeg writes for RTMP) into what an ingest hands `LiveHub`:
/// track configurations and frames. Test-only: the real FLV parsing lives in MetropoleRTMP.
enum FLVFile {
    enum Item {
        case config(TrackConfig)
        case frame(MediaFrame)
    }

    struct Malformed: Error {}

    static func read(_ bytes: [UInt8]) throws -> [Item] {
        var buffer = ByteBuffer(bytes: bytes)
        guard buffer.readString(length: 3) == "FLV", buffer.readBytes(length: 2) != nil,
              let headerSize = buffer.readInteger(as: UInt32.self), headerSize >= 9
        else { throw Malformed() }
        buffer.moveReaderIndex(to: Int(headerSize) + 4)
        var items: [Item] = []
        while buffer.readableBytes >= 11 {
            guard let type = buffer.readInteger(as: UInt8.self),
                  let size = buffer.readUInt24(),
                  let low = buffer.readUInt24(),
                  let high = buffer.readInteger(as: UInt8.self),
                  buffer.readUInt24() != nil,
                  var data = buffer.readSlice(length: Int(size)),
                  buffer.readInteger(as: UInt32.self) != nil
            else { throw Malformed() }
            let timestamp = Int64(high) << 24 | Int64(low)
            switch type {
            case 9:
                guard let header = data.readInteger(as: UInt8.self), header & 0x0F == 7,
                      let packetType = data.readInteger(as: UInt8.self), let cts = data.readUInt24()
                else { throw Malformed() }
                if packetType == 0 {
                    items.append(.config(.avc(try AVCDecoderConfigurationRecord(parsing: data))))
                } else if packetType == 1 {
                    let offset = Int32(bitPattern: cts << 8) >> 8 // sign-extend 24 bits
                    items.append(.frame(MediaFrame(kind: .video, dts: timestamp, compositionOffset: offset, isKeyframe: header >> 4 == 1, payload: data)))
                }
            case 8:
                guard let header = data.readInteger(as: UInt8.self), header >> 4 == 10,
                      let packetType = data.readInteger(as: UInt8.self)
                else { throw Malformed() }
                if packetType == 0 {
                    items.append(.config(.aac(try AudioSpecificConfig(parsing: data))))
                } else {
                    items.append(.frame(MediaFrame(kind: .audio, dts: timestamp, isKeyframe: true, payload: data)))
                }
            default:
                continue
            }
        }
        return items
    }
}

private extension ByteBuffer {
    mutating func readUInt24() -> UInt32? {
        guard let bytes = readBytes(length: 3) else { return nil }
        return UInt32(bytes[0]) << 16 | UInt32(bytes[1]) << 8 | UInt32(bytes[2])
    }
}
