import NIOCore

/// ISO/IEC 14496-3 AudioSpecificConfig: the AAC decoder setup FLV sends in its sequence-header
/// tag; fMP4 stores it verbatim in the `esds` decoder-specific info.
public struct AudioSpecificConfig: Sendable, Equatable {
    /// The config exactly as received.
    public var bytes: ByteBuffer
    /// Audio object type as signalled (2 = AAC-LC, 5 = SBR/HE-AAC, 29 = PS/HE-AACv2).
    public var objectType: UInt8
    /// Output sample rate: for explicitly signalled SBR this is the doubled (extension) rate.
    public var sampleRate: Int
    public var channelCount: Int
    /// PCM samples per access unit at `sampleRate`: 1024 for AAC, 2048 when SBR doubles the rate.
    public var samplesPerFrame: Int

    static let sampleRates = [96000, 88200, 64000, 48000, 44100, 32000, 24000, 22050, 16000, 12000, 11025, 8000, 7350]

    public init(parsing buffer: ByteBuffer) throws(MediaFormatError) {
        var reader = BitReader(Array(buffer.readableBytesView.prefix(16)))
        do throws(MediaFormatError) {
            let objectType = try Self.readObjectType(&reader)
            var sampleRate = try Self.readSampleRate(&reader)
            let channelConfiguration = Int(try reader.bits(4))
            var samplesPerFrame = 1024
            // Explicit hierarchical SBR signalling (14496-3 1.6.2.1): the extension rate and the
            // core object type follow.
            if objectType == 5 || objectType == 29 {
                sampleRate = try Self.readSampleRate(&reader)
                samplesPerFrame = 2048
                let core = try Self.readObjectType(&reader)
                guard core == 2 else { throw .unsupportedCodec("AAC core object type \(core)") }
            }
            guard [2, 5, 29].contains(objectType) else {
                throw .unsupportedCodec("AAC audio object type \(objectType)")
            }
            self.bytes = buffer
            self.objectType = objectType
            self.sampleRate = sampleRate
            self.channelCount = Self.channelCount(configuration: channelConfiguration)
            self.samplesPerFrame = samplesPerFrame
        } catch {
            throw error.truncatedAs("AudioSpecificConfig")
        }
    }

    private static func readObjectType(_ reader: inout BitReader) throws(MediaFormatError) -> UInt8 {
        let type = try reader.bits(5)
        return UInt8(type == 31 ? 32 + (try reader.bits(6)) : type)
    }

    private static func readSampleRate(_ reader: inout BitReader) throws(MediaFormatError) -> Int {
        let index = Int(try reader.bits(4))
        if index < sampleRates.count { return sampleRates[index] }
        guard index == 15 else { throw .invalid("AAC sampling frequency index \(index)") }
        let explicit = Int(try reader.bits(24))
        guard explicit > 0 else { throw .invalid("AAC sample rate 0") }
        return explicit
    }

    /// 14496-3 table 1.19; 0 means a program config element decides, which RTMP encoders only use
    /// for stereo in practice.
    private static func channelCount(configuration: Int) -> Int {
        switch configuration {
        case 1...6: configuration
        case 7, 12, 14: 8
        case 11: 7
        case 13: 24
        default: 2
        }
    }

    /// RFC 6381 codecs parameter: `mp4a.40.2`, or `mp4a.40.5` / `mp4a.40.29` for HE-AAC.
    /// The signalled type is reported rather than folded into `.2`: Apple's HLS authoring
    /// guidance asks for it, Chromium's MSE accepts all three, and a player that lacks SBR can
    /// then say no up front instead of playing at half rate.
    public var codecString: String { "mp4a.40.\(objectType)" }
}

private extension MediaFormatError {
    /// The bit reader speaks of parameter sets; name the record that was actually short.
    func truncatedAs(_ what: String) -> MediaFormatError {
        if case .truncated = self { return .truncated(what) }
        return self
    }
}
