import NIOCore

/// What an Opus decoder needs before the first packet: the Ogg Opus identification header's
/// fields (RFC 7845 §5.1) that ISO BMFF stores in `dOps` (`xiph/opus:doc/opus_in_isobmff.html`
/// §4.3.2). WebRTC signals none of them in band: RTP Opus (RFC 7587) is always 48 kHz, and the
/// channel count comes from the SDP.
public struct OpusConfig: Sendable, Equatable {
    /// Output channels: 1 or 2 (channel mapping family 0, the only one RTP Opus uses).
    public var channelCount: Int
    /// Samples at 48 kHz a decoder drops from its output at the start.
    public var preSkip: UInt16
    /// The rate the encoder's input had; informative, decoders always run at 48 kHz here.
    public var inputSampleRate: UInt32
    /// Gain in dB, 8.8 fixed point.
    public var outputGain: Int16

    /// Opus always timestamps at 48 kHz, whatever the input rate (RFC 7587 §4.1).
    public static let clockRate = 48_000

    /// `preSkip` defaults to 0 for live RTP: a viewer joins mid-stream, where the encoder's
    /// priming samples are long gone, and trimming 6.5 ms at every join would shift audio
    /// against video.
    public init(channelCount: Int, preSkip: UInt16 = 0, inputSampleRate: UInt32 = 48_000, outputGain: Int16 = 0) throws(MediaFormatError) {
        guard (1...2).contains(channelCount) else { throw .invalid("Opus channel count \(channelCount) (1 or 2)") }
        self.channelCount = channelCount
        self.preSkip = preSkip
        self.inputSampleRate = inputSampleRate
        self.outputGain = outputGain
    }

    /// RFC 6381 / CMAF codecs parameter for Opus in ISO BMFF.
    public var codecString: String { "opus" }
}

/// The parts of an Opus packet's TOC byte (RFC 6716 §3.1) that a muxer needs: how long the
/// packet plays. WebRTC senders may use 10, 20, 40 or 60 ms, so it is read, not assumed.
public enum OpusPacket {
    /// Duration in samples at 48 kHz, or `nil` if the packet is empty or its frame count byte is
    /// missing or implies more than the 120 ms a packet may hold.
    public static func sampleCount(_ packet: ByteBuffer) -> Int? {
        guard let toc = packet.getInteger(at: packet.readerIndex, as: UInt8.self) else { return nil }
        let frames: Int
        switch toc & 0x03 {
        case 0: frames = 1
        case 1, 2: frames = 2
        default:
            guard let count = packet.getInteger(at: packet.readerIndex + 1, as: UInt8.self) else { return nil }
            frames = Int(count & 0x3F)
        }
        let samples = frames * frameSamples(config: toc >> 3)
        return samples > 0 && samples <= 5760 ? samples : nil
    }

    /// Samples per frame for a TOC configuration number (RFC 6716 table 2).
    static func frameSamples(config: UInt8) -> Int {
        switch config {
        case 0...11: [480, 960, 1920, 2880][Int(config % 4)] // SILK: 10, 20, 40, 60 ms
        case 12...15: [480, 960][Int(config % 2)] // hybrid: 10, 20 ms
        default: [120, 240, 480, 960][Int(config % 4)] // CELT: 2.5, 5, 10, 20 ms
        }
    }
}
