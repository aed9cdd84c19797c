import NIOCore
import Testing

/// A minimal ISO BMFF reader for checking what the writer produced, box by box.
struct Box {
    var type: String
    var size: Int
    /// Offset of the box's first byte in the buffer it was parsed from.
    var offset: Int
    /// Everything after the 8-byte header.
    var body: ByteBuffer

    static let containers: Set<String> = ["moov", "trak", "mdia", "minf", "dinf", "stbl", "mvex", "moof", "traf"]

    /// Parses consecutive boxes; fails the test on a size that does not fit.
    static func parse(_ buffer: ByteBuffer, baseOffset: Int = 0) -> [Box] {
        var reader = buffer
        var boxes: [Box] = []
        while reader.readableBytes >= 8 {
            let offset = baseOffset + reader.readerIndex - buffer.readerIndex
            guard let size = reader.getInteger(at: reader.readerIndex, as: UInt32.self),
                  let type = reader.getString(at: reader.readerIndex + 4, length: 4),
                  Int(size) >= 8, let whole = reader.readSlice(length: Int(size))
            else {
                Issue.record("bad box at \(offset)")
                return boxes
            }
            boxes.append(Box(type: type, size: Int(size), offset: offset, body: whole.getSlice(at: whole.readerIndex + 8, length: Int(size) - 8)!))
        }
        #expect(reader.readableBytes == 0, "trailing bytes after boxes")
        return boxes
    }

    var children: [Box] { Box.parse(body, baseOffset: offset + 8) }

    /// Children of a box with a leading field before them (`stsd` entry count, sample entries).
    func children(skipping count: Int) -> [Box] {
        Box.parse(body.getSlice(at: body.readerIndex + count, length: body.readableBytes - count)!, baseOffset: offset + 8 + count)
    }

    func child(_ path: String) -> Box? {
        var box: Box? = self
        for type in path.split(separator: "/") {
            box = box?.children.first { $0.type == type }
        }
        return box
    }

    var version: UInt8 { body.getInteger(at: body.readerIndex)! }
    var flags: UInt32 { body.getInteger(at: body.readerIndex, as: UInt32.self)! & 0x00FF_FFFF }

    func uint32(at offset: Int) -> UInt32 { body.getInteger(at: body.readerIndex + offset)! }
    func int32(at offset: Int) -> Int32 { body.getInteger(at: body.readerIndex + offset)! }
    func uint64(at offset: Int) -> UInt64 { body.getInteger(at: body.readerIndex + offset)! }
    func uint16(at offset: Int) -> UInt16 { body.getInteger(at: body.readerIndex + offset)! }
    func fourCC(at offset: Int) -> String { body.getString(at: body.readerIndex + offset, length: 4)! }
}

extension Array where Element == Box {
    func first(_ type: String) -> Box? { first { $0.type == type } }
}
