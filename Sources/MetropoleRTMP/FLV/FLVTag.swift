import MetropoleMedia
import NIOCore

/// What one RTMP audio or video message (an FLV tag body) means for the live stream.
enum FLVMedia: Sendable {
    case track(TrackConfig)
    case frame(MediaFrame)
}

/// Parses FLV audio and video tag bodies (FLV spec v10.1, E.4.2 and E.4.3).
///
/// Only H.264 (codec id 7) and AAC (sound format 10) are taken; anything else, including
/// Enhanced RTMP's FourCC forms (HEVC, AV1, VP9, Opus...), is refused with a reason the
/// publisher can act on. Returns nil for tags that carry nothing to forward (end of
/// sequence, video info frames, empty bodies).
enum FLVTag {
    private static let avcCodecID: UInt8 = 7
    private static let aacSoundFormat: UInt8 = 10
    /// Enhanced RTMP sets this bit in the first video byte, or uses sound format 9 for audio.
    private static let videoExHeaderBit: UInt8 = 0x80
    private static let audioExHeaderFormat: UInt8 = 9

    static func parseVideo(_ body: ByteBuffer, dts: Int64) throws(MediaFormatError) -> FLVMedia? {
        var reader = body
        guard let first = reader.readInteger(as: UInt8.self) else { return nil }
        if first & videoExHeaderBit != 0 {
            throw .unsupportedCodec("Enhanced RTMP video \(fourCCName(reader))")
        }
        let frameType = first >> 4
        let codecID = first & 0x0F
        guard codecID == avcCodecID else { throw .unsupportedCodec(videoCodecName(codecID)) }
        // Frame type 5 is a video info/command frame: no picture.
        guard frameType != 5 else { return nil }
        guard let (packetType, ctsHigh, ctsLow) = reader.readMultipleIntegers(as: (UInt8, UInt8, UInt16).self) else {
            throw .truncated("FLV AVC video tag header")
        }
        switch packetType {
        case 0:
            return .track(.avc(try AVCDecoderConfigurationRecord(parsing: reader)))
        case 1:
            guard reader.readableBytes > 0 else { return nil }
            // 24-bit signed composition time: shift into the top of an Int32 and back.
            let raw = UInt32(ctsHigh) << 16 | UInt32(ctsLow)
            let compositionOffset = Int32(bitPattern: raw << 8) >> 8
            return .frame(MediaFrame(kind: .video, dts: dts, compositionOffset: compositionOffset, isKeyframe: frameType == 1, payload: reader))
        case 2:
            return nil
        default:
            throw .invalid("AVC packet type \(packetType)")
        }
    }

    static func parseAudio(_ body: ByteBuffer, dts: Int64) throws(MediaFormatError) -> FLVMedia? {
        var reader = body
        guard let first = reader.readInteger(as: UInt8.self) else { return nil }
        let soundFormat = first >> 4
        if soundFormat == audioExHeaderFormat {
            throw .unsupportedCodec("Enhanced RTMP audio \(fourCCName(reader))")
        }
        guard soundFormat == aacSoundFormat else { throw .unsupportedCodec(audioCodecName(soundFormat)) }
        guard let packetType = reader.readInteger(as: UInt8.self) else { throw .truncated("FLV AAC audio tag header") }
        switch packetType {
        case 0:
            return .track(.aac(try AudioSpecificConfig(parsing: reader)))
        case 1:
            guard reader.readableBytes > 0 else { return nil }
            return .frame(MediaFrame(kind: .audio, dts: dts, isKeyframe: true, payload: reader))
        default:
            throw .invalid("AAC packet type \(packetType)")
        }
    }

    /// Enhanced RTMP puts a FourCC after the first byte (E-RTMP v1/v2).
    private static func fourCCName(_ afterFirstByte: ByteBuffer) -> String {
        guard let bytes = afterFirstByte.getBytes(at: afterFirstByte.readerIndex, length: 4) else { return "(truncated)" }
        let printable = bytes.allSatisfy { (0x20...0x7E).contains($0) }
        let fourCC = printable ? String(decoding: bytes, as: UTF8.self) : bytes.map { String($0, radix: 16) }.joined(separator: " ")
        let known = ["hvc1": "HEVC", "av01": "AV1", "vp09": "VP9", "avc1": "H.264", "Opus": "Opus", "fLaC": "FLAC", "ac-3": "AC-3", "ec-3": "E-AC-3", ".mp3": "MP3", "mp4a": "AAC"]
        return known[fourCC].map { "\(fourCC) (\($0))" } ?? fourCC
    }

    private static func videoCodecName(_ id: UInt8) -> String {
        switch id {
        case 1: "JPEG video"
        case 2: "Sorenson H.263"
        case 3: "Screen video"
        case 4: "On2 VP6"
        case 5: "On2 VP6 with alpha"
        case 6: "Screen video v2"
        case 12: "HEVC (non-standard FLV codec id 12)"
        case 13: "AV1 (non-standard FLV codec id 13)"
        default: "FLV video codec id \(id)"
        }
    }

    private static func audioCodecName(_ format: UInt8) -> String {
        switch format {
        case 0, 3: "linear PCM"
        case 1: "ADPCM"
        case 2, 14: "MP3"
        case 4, 5, 6: "Nellymoser"
        case 7: "G.711 A-law"
        case 8: "G.711 mu-law"
        case 11: "Speex"
        case 13: "Opus (non-standard FLV sound format 13)"
        default: "FLV sound format \(format)"
        }
    }
}
