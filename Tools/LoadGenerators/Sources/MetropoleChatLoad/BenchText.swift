import NIOCore

/// The sender's message text, `b<phase> <monotonic nanos>`, found again in the JSON the server
/// fans out. A byte scan, not a JSON parse: readers run it for every delivery.
enum BenchText {
    private static let marker = Array(#""text":"b"#.utf8)

    /// (phase, sent-at nanos) from a message frame's JSON, or nil for any other frame.
    static func parse(_ payload: ByteBuffer) -> (Int, UInt64)? {
        payload.withUnsafeReadableBytes { parse($0) }
    }

    static func parse(_ bytes: UnsafeRawBufferPointer) -> (Int, UInt64)? {
        guard bytes.count > marker.count else { return nil }
        var start = -1
        outer: for index in 0...(bytes.count - marker.count) {
            for offset in 0..<marker.count where bytes[index + offset] != marker[offset] { continue outer }
            start = index + marker.count
            break
        }
        guard start >= 0, start < bytes.count else { return nil }
        var index = start
        var phase = 0
        while index < bytes.count, let digit = digit(bytes[index]) { phase = phase * 10 + digit; index += 1 }
        guard index < bytes.count, bytes[index] == UInt8(ascii: " ") else { return nil }
        index += 1
        var nanos: UInt64 = 0
        while index < bytes.count, let digit = digit(bytes[index]) { nanos = nanos * 10 + UInt64(digit); index += 1 }
        return (phase, nanos)
    }

    private static func digit(_ byte: UInt8) -> Int? {
        (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) ? Int(byte - UInt8(ascii: "0")) : nil
    }
}
