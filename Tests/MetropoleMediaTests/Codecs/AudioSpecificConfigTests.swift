import MetropoleMedia
import NIOCore
import Testing

@Suite struct AudioSpecificConfigTests {
    @Test func parsesAACLC() throws {
        let config = try AudioSpecificConfig(parsing: ByteBuffer(bytes: MediaSamples.aacLC48k))
        #expect(config.objectType == 2)
        #expect(config.sampleRate == 48000)
        #expect(config.channelCount == 2)
        #expect(config.samplesPerFrame == 1024)
        #expect(config.codecString == "mp4a.40.2")

        let mono = try AudioSpecificConfig(parsing: ByteBuffer(bytes: [0x12, 0x08]))
        #expect((mono.sampleRate, mono.channelCount) == (44100, 1))
    }

    @Test func parsesExplicitHEAAC() throws {
        // AOT 5, core 24 kHz stereo, extension 48 kHz, core AOT 2.
        let config = try AudioSpecificConfig(parsing: ByteBuffer(bytes: [0x2B, 0x11, 0x88, 0x00]))
        #expect(config.objectType == 5)
        #expect(config.sampleRate == 48000)
        #expect(config.samplesPerFrame == 2048)
        #expect(config.codecString == "mp4a.40.5")
    }

    @Test func refusesBadConfigs() {
        for bytes: [UInt8] in [[], [0x11], [0x07, 0x90], [0x17, 0x90], [0x2B, 0x11]] {
            #expect(throws: MediaFormatError.self) {
                try AudioSpecificConfig(parsing: ByteBuffer(bytes: bytes))
            }
        }
    }
}
