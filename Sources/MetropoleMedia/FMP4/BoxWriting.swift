import NIOCore

/// ISO/IEC 14496-12 box serialisation helpers. Box sizes are patched in after the body is
/// written, so nested boxes never need their sizes computed up front.
extension ByteBuffer {
    mutating func writeFourCC(_ code: StaticString) {
        writeBytes(UnsafeRawBufferPointer(start: code.utf8Start, count: 4))
    }

    mutating func writeBox(_ type: StaticString, _ body: (inout ByteBuffer) -> Void) {
        let start = writerIndex
        writeInteger(UInt32(0))
        writeFourCC(type)
        body(&self)
        setInteger(UInt32(truncatingIfNeeded: writerIndex - start), at: start)
    }

    mutating func writeFullBox(_ type: StaticString, version: UInt8, flags: UInt32, _ body: (inout ByteBuffer) -> Void) {
        writeBox(type) { buffer in
            buffer.writeInteger(UInt32(version) << 24 | (flags & 0x00FF_FFFF))
            body(&buffer)
        }
    }

    mutating func writeZeros(_ count: Int) {
        writeRepeatingByte(0, count: count)
    }

    /// The unity transformation matrix every `mvhd`/`tkhd` carries (14496-12 8.2.2.3).
    mutating func writeUnityMatrix() {
        for value: UInt32 in [0x0001_0000, 0, 0, 0, 0x0001_0000, 0, 0, 0, 0x4000_0000] {
            writeInteger(value)
        }
    }
}
