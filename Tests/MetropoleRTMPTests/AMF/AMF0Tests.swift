import NIOCore
import Testing

@testable import MetropoleRTMP

@Suite struct AMF0Tests {
    static let samples: [AMF0Value] = [
        .number(0), .number(-1.5), .number(.infinity),
        .boolean(true), .boolean(false),
        .string(""), .string("live"), .string("grüße ✓"),
        .string(String(repeating: "x", count: 70_000)),
        .null, .undefined,
        .object([]),
        .object([AMF0Property("app", "live"), AMF0Property("nested", .object([AMF0Property("n", 1)]))]),
        .ecmaArray([AMF0Property("width", 1280), AMF0Property("height", 720)]),
        .strictArray([1, "two", .null, .strictArray([])]),
        .date(1_700_000_000_000, timeZone: 0),
    ]

    @Test(arguments: samples)
    func roundTrip(_ value: AMF0Value) throws {
        // setup
        var buffer = ByteBuffer()
        // act
        let written = buffer.writeAMF0Value(value)
        let decoded = try buffer.readAMF0Value()
        // check
        #expect(written > 0)
        #expect(decoded == value)
        #expect(buffer.readableBytes == 0)
    }

    @Test func longStringsUseTheLongMarker() {
        var buffer = ByteBuffer()
        buffer.writeAMF0Value(.string(String(repeating: "y", count: 65_536)))
        #expect(buffer.getInteger(at: 0, as: UInt8.self) == 0x0C)
        #expect(buffer.getInteger(at: 1, as: UInt32.self) == 65_536)
    }

    @Test func decodesAnFFmpegConnectCommand() throws {
        // setup: the start of ffmpeg 5.1's connect command as sent on the wire
        var buffer = ByteBuffer(bytes: Fixtures.bytes(
            "020007636f6e6e656374" + "003ff0000000000000" + "03" + "0003617070" + "0200046c697665"
                + "000474797065" + "0200076e6f6e70726976" + "000009"
        ))
        // act
        let values = try buffer.readAMF0Values()
        // check
        #expect(values.count == 3)
        #expect(values[0] == "connect")
        #expect(values[1] == 1)
        #expect(values[2]["app"] == "live")
        #expect(values[2]["type"] == "nonpriv")
    }

    @Test func everyTruncationThrows() {
        // setup
        var full = ByteBuffer()
        for value in Self.samples where value != .string(String(repeating: "x", count: 70_000)) {
            full.writeAMF0Value(value)
        }
        let value = AMF0Value.object([
            AMF0Property("a", .strictArray([1, "b", .ecmaArray([AMF0Property("c", .date(0, timeZone: 0))])])),
            AMF0Property("d", .boolean(true)),
        ])
        var single = ByteBuffer()
        single.writeAMF0Value(value)
        // act + check: every strict prefix is an error, never a trap
        for length in 0..<single.readableBytes {
            var prefix = single.getSlice(at: 0, length: length)!
            #expect(throws: AMF0Error.truncated) { try prefix.readAMF0Value() }
        }
        var all = full
        #expect(throws: Never.self) { try all.readAMF0Values() }
    }

    @Test func unsupportedMarkersAreErrors() {
        for marker: UInt8 in [0x04, 0x07, 0x0D, 0x0E, 0x10, 0x11, 0xFF] {
            var buffer = ByteBuffer(bytes: [marker, 0, 0, 0, 0])
            #expect(throws: AMF0Error.unsupportedMarker(marker)) { try buffer.readAMF0Value() }
        }
    }

    @Test func nestingIsLimited() {
        // setup: 1000 nested strict arrays of one element
        var buffer = ByteBuffer()
        for _ in 0..<1000 {
            buffer.writeMultipleIntegers(UInt8(0x0A), UInt32(1))
        }
        buffer.writeInteger(UInt8(0x05))
        // act + check
        #expect(throws: AMF0Error.tooDeep(limit: AMF0Value.maxDepth)) { try buffer.readAMF0Value() }
    }

    @Test func lyingArrayCountsAreErrors() {
        var buffer = ByteBuffer(bytes: [0x0A, 0xFF, 0xFF, 0xFF, 0xFF, 0x05])
        #expect(throws: AMF0Error.truncated) { try buffer.readAMF0Value() }
    }

    @Test func objectsWithoutEndMarkerAreTruncated() {
        var buffer = ByteBuffer(bytes: [0x03, 0x00, 0x01, 0x61, 0x05])
        #expect(throws: AMF0Error.truncated) { try buffer.readAMF0Value() }
    }

    @Test func randomBytesNeverTrap() {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<5_000 {
            let count = Int.random(in: 0..<64, using: &generator)
            var buffer = ByteBuffer(bytes: (0..<count).map { _ in UInt8.random(in: 0...0x0C, using: &generator) })
            _ = try? buffer.readAMF0Values()
        }
    }
}
