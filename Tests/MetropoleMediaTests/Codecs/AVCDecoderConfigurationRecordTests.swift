import MetropoleMedia
import NIOCore
import Testing

@Suite struct AVCDecoderConfigurationRecordTests {
    @Test func buildsAndParsesARecordFromParameterSets() throws {
        let record = try AVCDecoderConfigurationRecord(
            sequenceParameterSets: [ByteBuffer(bytes: MediaSamples.sps720p)],
            pictureParameterSets: [ByteBuffer(bytes: MediaSamples.pps720p)]
        )
        #expect(record.codecString == "avc1.64001f")
        #expect(record.nalLengthSize == 4)
        #expect((record.width, record.height) == (1280, 720))
        #expect(record.frameRate == 30)
        let reparsed = try AVCDecoderConfigurationRecord(parsing: record.bytes)
        #expect(reparsed == record)
        #expect(Array(record.bytes.readableBytesView.prefix(6)) == [0x01, 0x64, 0x00, 0x1F, 0xFF, 0xE1])
    }

    @Test func keepsARecordWhoseSPSItCannotRead() throws {
        // A record is still usable (decoders read the SPS themselves); only the size is unknown.
        var bytes: [UInt8] = [0x01, 0x64, 0x00, 0x1F, 0xFF, 0xE1, 0x00, 0x04, 0x67, 0x64, 0x00, 0x1F]
        bytes += [0x01, 0x00, 0x02, 0x68, 0xEB]
        let record = try AVCDecoderConfigurationRecord(parsing: ByteBuffer(bytes: bytes))
        #expect(record.sequenceParameterSet == nil)
        #expect(record.width == 0)
    }

    @Test func throwsOnTruncatedRecords() throws {
        let record = try AVCDecoderConfigurationRecord(
            sequenceParameterSets: [ByteBuffer(bytes: MediaSamples.sps720p)],
            pictureParameterSets: [ByteBuffer(bytes: MediaSamples.pps720p)]
        )
        let bytes = Array(record.bytes.readableBytesView)
        for length in 0..<bytes.count {
            #expect(throws: MediaFormatError.self) {
                try AVCDecoderConfigurationRecord(parsing: ByteBuffer(bytes: bytes.prefix(length)))
            }
        }
    }
}
