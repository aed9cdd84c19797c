@testable import MetropoleMedia
import NIOCore
import Testing

@Suite struct InitSegmentTests {
    @Test func writesVideoAndAudioTracks() throws {
        let video = FMP4Track(id: 1, config: try MediaSamples.videoConfig())
        let audio = FMP4Track(id: 2, config: try MediaSamples.audioConfig())
        let segment = InitSegment.make(tracks: [video, audio])
        let boxes = Box.parse(segment)
        #expect(boxes.map(\.type) == ["ftyp", "moov"])
        #expect(boxes.reduce(0) { $0 + $1.size } == segment.readableBytes)

        let ftyp = try #require(boxes.first("ftyp"))
        #expect(ftyp.fourCC(at: 0) == "iso6")
        #expect([8, 12, 16].map { ftyp.fourCC(at: $0) } == ["iso6", "isom", "mp41"])

        let moov = try #require(boxes.first("moov"))
        #expect(moov.children.map(\.type) == ["mvhd", "trak", "trak", "mvex"])
        let mvhd = try #require(moov.child("mvhd"))
        #expect(mvhd.uint32(at: 12) == 1000) // timescale
        #expect(mvhd.uint32(at: 96) == 3) // next_track_ID

        let traks = moov.children.filter { $0.type == "trak" }
        let videoTrak = traks[0]
        let tkhd = try #require(videoTrak.child("tkhd"))
        #expect(tkhd.flags == 3)
        #expect(tkhd.uint32(at: 12) == 1) // track_ID
        #expect(tkhd.uint32(at: 76) == 1280 << 16)
        #expect(tkhd.uint32(at: 80) == 720 << 16)
        #expect(try #require(videoTrak.child("mdia/mdhd")).uint32(at: 12) == 90000)
        #expect(try #require(videoTrak.child("mdia/hdlr")).fourCC(at: 8) == "vide")
        #expect(videoTrak.child("mdia/minf/vmhd") != nil)
        #expect(videoTrak.child("mdia/minf/dinf/dref") != nil)
        let stbl = try #require(videoTrak.child("mdia/minf/stbl"))
        #expect(stbl.children.map(\.type) == ["stsd", "stts", "stsc", "stsz", "stco"])
        let avc1 = try #require(stbl.child("stsd")?.children(skipping: 8).first)
        #expect(avc1.type == "avc1")
        #expect(avc1.uint16(at: 24) == 1280)
        #expect(avc1.uint16(at: 26) == 720)
        let avcC = try #require(avc1.children(skipping: 78).first)
        #expect(avcC.type == "avcC")
        guard case .avc(let record) = video.config else { return }
        #expect(avcC.body == record.bytes)

        let audioTrak = traks[1]
        #expect(try #require(audioTrak.child("mdia/mdhd")).uint32(at: 12) == 48000)
        #expect(try #require(audioTrak.child("mdia/hdlr")).fourCC(at: 8) == "soun")
        #expect(audioTrak.child("mdia/minf/smhd") != nil)
        let mp4a = try #require(audioTrak.child("mdia/minf/stbl/stsd")?.children(skipping: 8).first)
        #expect(mp4a.type == "mp4a")
        #expect(mp4a.uint16(at: 16) == 2) // channels
        #expect(mp4a.uint32(at: 24) == 48000 << 16)
        let esds = try #require(mp4a.children(skipping: 28).first)
        #expect(esds.type == "esds")
        // ES_Descriptor > DecoderConfigDescriptor(0x40 audio) > DecoderSpecificInfo = ASC, SLConfig.
        let expected: [UInt8] = [0, 0, 0, 0, 0x03, 25, 0, 0, 0, 0x04, 17, 0x40, 0x15]
            + [UInt8](repeating: 0, count: 11) + [0x05, 2, 0x11, 0x90, 0x06, 1, 0x02]
        #expect(Array(esds.body.readableBytesView) == expected)

        let trex = try #require(moov.child("mvex")?.children)
        #expect(trex.map(\.type) == ["trex", "trex"])
        #expect(trex.map { $0.uint32(at: 4) } == [1, 2])
        #expect(trex.map { $0.uint32(at: 8) } == [1, 1])
    }

    @Test func writesSingleTrackSegments() throws {
        for config in [try MediaSamples.videoConfig(), try MediaSamples.audioConfig()] {
            let track = FMP4Track(id: 7, config: config)
            let moov = try #require(Box.parse(InitSegment.make(tracks: [track])).first("moov"))
            #expect(moov.children.map(\.type) == ["mvhd", "trak", "mvex"])
            #expect(moov.child("mvex/trex")?.uint32(at: 4) == 7)
        }
    }

    @Test func choosesTimescalesThatKeepMillisecondsExact() throws {
        let cd = FMP4Track(id: 2, config: .aac(try AudioSpecificConfig(parsing: ByteBuffer(bytes: [0x12, 0x10]))))
        #expect(cd.timescale == 441_000)
        #expect(cd.audioFrameTicks == 10240)
        #expect(cd.ticks(milliseconds: 1001) == 441_441)
        let video = FMP4Track(id: 1, config: try MediaSamples.videoConfig())
        #expect(video.ticks(milliseconds: 33) == 2970)
    }
}
