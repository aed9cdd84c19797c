import MetropoleMedia
import NIOCore
import Testing

@testable import MetropoleRTMP

@Suite struct FLVTagTests {
    @Test func avcSequenceHeaderBecomesTrackConfig() throws {
        let tag = Fixtures.videoTag(packetType: 0, data: Fixtures.avcDecoderConfiguration)
        guard case .track(.avc(let record))? = try FLVTag.parseVideo(tag, dts: 0) else {
            Issue.record("expected an AVC track config")
            return
        }
        #expect(record.nalLengthSize == 4)
        #expect(record.codecString == "avc1.64000a")
    }

    @Test func avcFramesKeepTimesAndBytes() throws {
        // setup: keyframe with +67 ms composition time, inter frame with -2 ms
        let key = Fixtures.videoTag(frameType: 1, packetType: 1, compositionTime: 67, data: Fixtures.keyframeNALUnits)
        let inter = Fixtures.videoTag(frameType: 2, packetType: 1, compositionTime: -2, data: Fixtures.interNALUnits)
        // act
        guard case .frame(let keyframe)? = try FLVTag.parseVideo(key, dts: 5_000_000_000),
              case .frame(let interframe)? = try FLVTag.parseVideo(inter, dts: 33)
        else {
            Issue.record("expected frames")
            return
        }
        // check
        #expect(keyframe.kind == .video)
        #expect(keyframe.isKeyframe)
        #expect(keyframe.dts == 5_000_000_000)
        #expect(keyframe.compositionOffset == 67)
        #expect(keyframe.payload == ByteBuffer(bytes: Fixtures.keyframeNALUnits))
        #expect(!interframe.isKeyframe)
        #expect(interframe.compositionOffset == -2)
    }

    @Test func tagsWithoutPicturesAreSkipped() throws {
        #expect(try FLVTag.parseVideo(Fixtures.videoTag(packetType: 2, data: []), dts: 0) == nil)
        #expect(try FLVTag.parseVideo(Fixtures.videoTag(frameType: 5, packetType: 0, data: []), dts: 0) == nil)
        #expect(try FLVTag.parseVideo(Fixtures.videoTag(packetType: 1, data: []), dts: 0) == nil)
        #expect(try FLVTag.parseVideo(ByteBuffer(), dts: 0) == nil)
        #expect(try FLVTag.parseAudio(ByteBuffer(), dts: 0) == nil)
    }

    @Test func aacConfigAndFrames() throws {
        guard case .track(.aac(let config))? = try FLVTag.parseAudio(Fixtures.audioTag(packetType: 0, data: Fixtures.audioSpecificConfig), dts: 0),
              case .frame(let frame)? = try FLVTag.parseAudio(Fixtures.audioTag(packetType: 1, data: Fixtures.aacFrame), dts: 21)
        else {
            Issue.record("expected AAC config and frame")
            return
        }
        #expect(config.sampleRate == 48000)
        #expect(config.channelCount == 1)
        #expect(frame.kind == .audio)
        #expect(frame.dts == 21)
        #expect(frame.isKeyframe)
        #expect(frame.payload == ByteBuffer(bytes: Fixtures.aacFrame))
    }

    static let refusedVideo: [(String, [UInt8])] = [
        ("Sorenson H.263", [0x22, 0, 0, 0, 0]),
        ("On2 VP6", [0x24, 0, 0, 0, 0]),
        ("HEVC", [0x1C, 0, 0, 0, 0]),
        ("hvc1 (HEVC)", [0x90] + Array("hvc1".utf8)),
        ("av01 (AV1)", [0x91] + Array("av01".utf8)),
        ("vp09 (VP9)", [0x90] + Array("vp09".utf8)),
    ]

    @Test(arguments: refusedVideo)
    func otherVideoCodecsAreRefused(_ expected: String, _ bytes: [UInt8]) {
        let error = #expect(throws: MediaFormatError.self) { try FLVTag.parseVideo(ByteBuffer(bytes: bytes), dts: 0) }
        guard case .unsupportedCodec(let name)? = error else {
            Issue.record("expected unsupportedCodec, got \(String(describing: error))")
            return
        }
        #expect(name.contains(expected))
        #expect(error!.description.contains("Metropole takes H.264 video and AAC audio"))
    }

    static let refusedAudio: [(String, [UInt8])] = [
        ("MP3", [0x2F, 0xFF]),
        ("Speex", [0xB6, 0]),
        ("Nellymoser", [0x6E, 0]),
        ("linear PCM", [0x3F, 0]),
        ("Opus", [0x90] + Array("Opus".utf8)),
    ]

    @Test(arguments: refusedAudio)
    func otherAudioCodecsAreRefused(_ expected: String, _ bytes: [UInt8]) {
        let error = #expect(throws: MediaFormatError.self) { try FLVTag.parseAudio(ByteBuffer(bytes: bytes), dts: 0) }
        guard case .unsupportedCodec(let name)? = error else {
            Issue.record("expected unsupportedCodec, got \(String(describing: error))")
            return
        }
        #expect(name.contains(expected))
    }

    @Test func truncatedAndMalformedTagsAreErrors() {
        #expect(throws: MediaFormatError.self) { try FLVTag.parseVideo(ByteBuffer(bytes: [0x17, 0x01]), dts: 0) }
        #expect(throws: MediaFormatError.self) { try FLVTag.parseVideo(ByteBuffer(bytes: [0x17, 0x00, 0, 0, 0, 0x01, 0x64]), dts: 0) }
        #expect(throws: MediaFormatError.self) { try FLVTag.parseVideo(ByteBuffer(bytes: [0x17, 0x07, 0, 0, 0]), dts: 0) }
        #expect(throws: MediaFormatError.self) { try FLVTag.parseAudio(ByteBuffer(bytes: [0xAF]), dts: 0) }
        #expect(throws: MediaFormatError.self) { try FLVTag.parseAudio(ByteBuffer(bytes: [0xAF, 0x00, 0x10]), dts: 0) }
        #expect(throws: MediaFormatError.self) { try FLVTag.parseAudio(ByteBuffer(bytes: [0xAF, 0x05, 0x10]), dts: 0) }
    }
}
