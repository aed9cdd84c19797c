import MetropoleMedia
import NIOCore
import Testing

@Suite struct OpusConfigTests {
    @Test func packetDurationsComeFromTheTOCByte() {
        // setup: (TOC bytes, samples at 48 kHz) per RFC 6716 §3.1
        let cases: [([UInt8], Int?)] = [
            ([0x78], 960), // config 15, hybrid FB 20 ms, one frame (Chrome's usual)
            ([0xFC], 960), // config 31, CELT FB 20 ms
            ([0xF0], 480), // config 30, CELT FB 10 ms
            ([0xE0], 120), // config 28, CELT FB 2.5 ms
            ([0x08], 960), // config 1, SILK NB 20 ms
            ([0x18], 2880), // config 3, SILK NB 60 ms
            ([0x01], 960), // config 0 (10 ms), code 1: two frames
            ([0x82], 240), // config 16 (2.5 ms), code 2: two frames
            ([0x7B, 0x03], 2880), // config 15 (20 ms), code 3, three frames
            ([0x03, 0x30], nil), // code 3 with 48 frames of 10 ms: over 120 ms
            ([0x03], nil), // code 3 without its count byte
            ([], nil),
        ]
        for (bytes, expected) in cases {
            // act / check
            #expect(OpusPacket.sampleCount(ByteBuffer(bytes: bytes)) == expected, "TOC \(bytes)")
        }
    }

    @Test func configurationIsMonoOrStereo() throws {
        #expect(try OpusConfig(channelCount: 2).codecString == "opus")
        #expect(try OpusConfig(channelCount: 1).preSkip == 0)
        #expect(throws: MediaFormatError.self) { try OpusConfig(channelCount: 3) }
        #expect(throws: MediaFormatError.self) { try OpusConfig(channelCount: 0) }
        #expect(TrackConfig.opus(try OpusConfig(channelCount: 2)).kind == .audio)
    }
}
