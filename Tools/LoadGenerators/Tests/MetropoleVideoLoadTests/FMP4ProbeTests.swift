import MetropoleMedia
import NIOCore
import Testing

@testable import MetropoleVideoLoad

/// The probe reads what the server writes: init segments and fragment headers made by
/// MetropoleMedia's own `InitSegment` and `FragmentWriter`.
@Suite struct FMP4ProbeTests {
    // Real parameter sets from ffmpeg's libx264 (1280x720, High, 30 fps) and AAC-LC 48 kHz stereo.
    static let sps: [UInt8] = [
        0x67, 0x64, 0x00, 0x1F, 0xAC, 0xD9, 0x40, 0x50, 0x05, 0xBB, 0x01, 0x10, 0x00, 0x00, 0x03,
        0x00, 0x10, 0x00, 0x00, 0x03, 0x03, 0xC0, 0xF1, 0x83, 0x19, 0x60,
    ]
    static let pps: [UInt8] = [0x68, 0xEB, 0xE3, 0xCB, 0x22, 0xC0]
    static let audioSpecificConfig: [UInt8] = [0x11, 0x90]

    let video: FMP4Track
    let audio: FMP4Track

    init() throws {
        video = FMP4Track(id: 1, config: .avc(try AVCDecoderConfigurationRecord(
            sequenceParameterSets: [ByteBuffer(bytes: Self.sps)], pictureParameterSets: [ByteBuffer(bytes: Self.pps)]
        )))
        audio = FMP4Track(id: 2, config: .aac(try AudioSpecificConfig(parsing: ByteBuffer(bytes: Self.audioSpecificConfig))))
    }

    func probe() -> FMP4Probe {
        var probe = FMP4Probe()
        probe.readInitSegment(InitSegment.make(tracks: [video, audio]))
        return probe
    }

    func header(_ kind: TrackKind, dts: Int64) -> ByteBuffer {
        var writer = FragmentWriter()
        let frame = MediaFrame(kind: kind, dts: dts, isKeyframe: true, payload: ByteBuffer(repeating: 0xAB, count: 300))
        return writer.fragment(for: frame, track: kind == .video ? video : audio).header
    }

    @Test func readsTrackTimescalesAndHandlersFromTheInitSegment() {
        // setup
        let segment = InitSegment.make(tracks: [video, audio])
        // act
        var probe = FMP4Probe()
        probe.readInitSegment(segment)
        // check
        #expect(FMP4Probe.startsWith(.ftyp, segment))
        #expect(probe.tracks == [
            1: FMP4Probe.Track(timescale: 90_000, isVideo: true),
            2: FMP4Probe.Track(timescale: 48_000, isVideo: false),
        ])
    }

    @Test(arguments: [(TrackKind.video, Int64(0)), (.video, 1_234), (.audio, 5_000), (.video, 50_000_000)])
    func readsTheDecodeTimeOfAFragmentHeader(kind: TrackKind, dts: Int64) {
        // setup: 50,000,000 ms is past 2^32 ticks at 90 kHz, so tfdt's 64 bits are needed.
        let header = header(kind, dts: dts)
        // act
        let time = probe().fragmentTime(header)
        // check
        #expect(FMP4Probe.startsWith(.moof, header))
        #expect(time == FMP4Probe.FragmentTime(isVideo: kind == .video, milliseconds: dts))
    }

    @Test func ignoresWhatItCannotRead() {
        // setup
        let header = header(.video, dts: 1_000)
        let probe = probe()
        // act, check: a cut-off header, an unknown track and no init segment yield nothing.
        #expect(probe.fragmentTime(header.getSlice(at: header.readerIndex, length: 40)!) == nil)
        #expect(FMP4Probe().fragmentTime(header) == nil)
        #expect(probe.fragmentTime(ByteBuffer(bytes: [0, 0, 0, 4, 0x6D])) == nil)
        #expect(!FMP4Probe.startsWith(.moof, ByteBuffer(bytes: [0, 0])))
    }
}
