import MetropoleMedia
import NIOCore

/// Real parameter sets written by ffmpeg's libx264 (`-f lavfi -i testsrc2`), with their
/// emulation-prevention bytes, so the parsers meet what encoders actually send.
enum MediaSamples {
    /// 1280x720, High profile level 3.1, 30 fps VUI timing.
    static let sps720p = hex("6764001facd9405005bb0110000003001000000303c0f1831960")
    static let pps720p = hex("68ebe3cb22c0")
    /// 1920x1080 (coded 1088, cropped), Main profile level 4.0, 25 fps.
    static let sps1080p = hex("674d4028eca03c0113f2e022000003000200000300641e30632c")
    /// 320x240, Constrained Baseline level 1.2, 15 fps.
    static let spsBaseline = hex("6742c00cd90141fb0110000003001000000301e0f142a480")

    /// AAC-LC, 48 kHz, stereo.
    static let aacLC48k: [UInt8] = [0x11, 0x90]

    static func hex(_ text: String) -> [UInt8] {
        var bytes: [UInt8] = []
        var index = text.startIndex
        while index < text.endIndex {
            let next = text.index(index, offsetBy: 2)
            bytes.append(UInt8(text[index..<next], radix: 16)!)
            index = next
        }
        return bytes
    }

    static func videoConfig() throws -> TrackConfig {
        .avc(try AVCDecoderConfigurationRecord(
            sequenceParameterSets: [ByteBuffer(bytes: sps720p)],
            pictureParameterSets: [ByteBuffer(bytes: pps720p)]
        ))
    }

    static func audioConfig() throws -> TrackConfig {
        .aac(try AudioSpecificConfig(parsing: ByteBuffer(bytes: aacLC48k)))
    }

    static func video(_ dts: Int64, key: Bool = false, cto: Int32 = 0, size: Int = 100) -> MediaFrame {
        MediaFrame(kind: .video, dts: dts, compositionOffset: cto, isKeyframe: key, payload: ByteBuffer(repeating: key ? 0x65 : 0x41, count: size))
    }

    static func audio(_ dts: Int64, size: Int = 20) -> MediaFrame {
        MediaFrame(kind: .audio, dts: dts, isKeyframe: true, payload: ByteBuffer(repeating: 0x21, count: size))
    }
}
