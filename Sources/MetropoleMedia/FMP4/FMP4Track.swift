/// One track of the fMP4 presentation: its id in `tkhd`/`tfhd`, its decoder configuration and
/// the timescale its sample times are counted in.
public struct FMP4Track: Sendable, Equatable {
    public var id: UInt32
    public var config: TrackConfig
    /// Ticks per second of this track's media time.
    ///
    /// Frames arrive with millisecond timestamps, so every timescale is a multiple of 1000 and a
    /// timestamp converts exactly (`tfdt` never drifts from the publisher's clock). Video uses
    /// the customary 90 kHz. Audio uses the smallest multiple of both 1000 and the sample rate
    /// (48000 stays 48000, 44100 becomes 441000), so an AAC frame of 1024 samples is also a whole
    /// number of ticks and back-to-back audio fragments abut without rounding gaps. Players
    /// take the `mp4a` sample rate from the sample entry, not from the timescale. Opus uses
    /// 48 kHz, its only clock, as `opus_in_isobmff` §4.4 recommends.
    public var timescale: UInt32

    public init(id: UInt32, config: TrackConfig) {
        self.id = id
        self.config = config
        switch config {
        case .avc:
            self.timescale = 90_000
        case .aac(let audio):
            // An odd explicit rate could push the multiple past 32 bits; milliseconds then.
            let common = Self.leastCommonMultiple(audio.sampleRate, 1000)
            self.timescale = common <= 2_000_000 ? UInt32(common) : 1000
        case .opus:
            self.timescale = UInt32(OpusConfig.clockRate)
        }
    }

    public var kind: TrackKind { config.kind }

    /// Converts publisher milliseconds to ticks of this track (exact by construction).
    func ticks(milliseconds: Int64) -> Int64 {
        milliseconds * Int64(timescale / 1000)
    }

    /// Duration of one AAC access unit in ticks; `nil` for video and Opus, whose frames vary.
    var audioFrameTicks: Int64? {
        guard case .aac(let audio) = config else { return nil }
        return Int64(audio.samplesPerFrame) * Int64(timescale) / Int64(audio.sampleRate)
    }

    /// Opus tracks carry the `roll` sample group `opus_in_isobmff` §4.3.6.2 requires.
    var isOpus: Bool {
        if case .opus = config { return true }
        return false
    }

    private static func leastCommonMultiple(_ a: Int, _ b: Int) -> Int {
        var (x, y) = (a, b)
        while y != 0 { (x, y) = (y, x % y) }
        return a / x * b
    }
}
