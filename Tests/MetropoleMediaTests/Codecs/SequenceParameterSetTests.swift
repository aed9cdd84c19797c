@testable import MetropoleMedia
import NIOCore
import Testing

@Suite struct SequenceParameterSetTests {
    @Test func parses720pHighProfileWithTiming() throws {
        let sps = try SequenceParameterSet(parsing: ByteBuffer(bytes: MediaSamples.sps720p))
        #expect(sps.profile == 100)
        #expect(sps.level == 31)
        #expect(sps.width == 1280)
        #expect(sps.height == 720)
        #expect(sps.frameRate == 30)
    }

    @Test func appliesCroppingTo1080p() throws {
        // 1080 is not a multiple of 16: the encoder codes 1088 lines and crops 8.
        let sps = try SequenceParameterSet(parsing: ByteBuffer(bytes: MediaSamples.sps1080p))
        #expect(sps.profile == 77)
        #expect(sps.width == 1920)
        #expect(sps.height == 1080)
        #expect(sps.frameRate == 25)
    }

    @Test func parsesBaselineProfile() throws {
        let sps = try SequenceParameterSet(parsing: ByteBuffer(bytes: MediaSamples.spsBaseline))
        #expect(sps.profile == 66)
        #expect((sps.width, sps.height) == (320, 240))
        #expect(sps.frameRate == 15)
    }

    @Test func throwsOrKeepsTheSizeWhenTruncated() {
        // Cut anywhere, a real SPS either throws (size fields missing) or still yields the
        // right size (only VUI lost): never a trap, never a wrong size.
        for length in 0..<MediaSamples.sps720p.count {
            let bytes = ByteBuffer(bytes: MediaSamples.sps720p.prefix(length))
            if let sps = try? SequenceParameterSet(parsing: bytes) {
                #expect((sps.width, sps.height) == (1280, 720), "prefix \(length)")
            } else {
                #expect(length < 10, "prefix \(length) should parse")
            }
        }
    }

    @Test func survivesArbitraryBytes() {
        // Nothing to check but that no input traps.
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<2000 {
            var bytes = (0..<Int.random(in: 1...40, using: &generator)).map { _ in UInt8.random(in: 0...255, using: &generator) }
            bytes[0] = 0x67
            _ = try? SequenceParameterSet(parsing: ByteBuffer(bytes: bytes))
        }
    }

    @Test func rejectsOtherNALTypes() {
        #expect(throws: MediaFormatError.self) {
            try SequenceParameterSet(parsing: ByteBuffer(bytes: MediaSamples.pps720p))
        }
    }

    @Test func removesEmulationPreventionBytes() throws {
        var reader = BitReader(removingEmulationPrevention: [0x00, 0x00, 0x03, 0x01, 0x00, 0x00, 0x03, 0x00, 0x03])
        #expect(try reader.bits(32) == 0x0000_0100)
        // The second `00 00 03` is removed; the final 03 follows a single zero and stays.
        #expect(try reader.bits(24) == 0x0000_0003)
        #expect(reader.bitsLeft == 0)
    }

    @Test func readsExpGolombCodes() throws {
        // 1 | 010 | 011 | 00100 | 00101 -> ue 0, 1, 2, 3 then se -2
        var reader = BitReader([0b1010_0110, 0b0100_0010, 0b1000_0000])
        #expect(try reader.unsignedExpGolomb() == 0)
        #expect(try reader.unsignedExpGolomb() == 1)
        #expect(try reader.unsignedExpGolomb() == 2)
        #expect(try reader.unsignedExpGolomb() == 3)
        #expect(try reader.signedExpGolomb() == -2)
        var zeros = BitReader([UInt8](repeating: 0, count: 8))
        #expect(throws: MediaFormatError.self) { try zeros.unsignedExpGolomb() }
    }
}
