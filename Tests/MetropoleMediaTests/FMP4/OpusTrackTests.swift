@testable import MetropoleMedia
import NIOCore
import Testing

/// The `Opus` sample entry, its roll group and the Opus fragments (`opus_in_isobmff`).
@Suite struct OpusTrackTests {
    static func opusTrack(channels: Int = 2) throws -> FMP4Track {
        FMP4Track(id: 2, config: .opus(try OpusConfig(channelCount: channels, preSkip: 312)))
    }

    @Test func initSegmentHasTheOpusEntryDOpsAndRollGroup() throws {
        // setup
        let video = FMP4Track(id: 1, config: try MediaSamples.videoConfig())
        let audio = try Self.opusTrack()
        // act
        let boxes = Box.parse(InitSegment.make(tracks: [video, audio]))
        // check
        let ftyp = try #require(boxes.first("ftyp"))
        #expect([8, 12, 16, 20, 24].map { ftyp.fourCC(at: $0) } == ["iso6", "isom", "mp41", "iso2", "Opus"])
        let trak = try #require(boxes.first("moov")?.children.filter { $0.type == "trak" }.last)
        #expect(audio.timescale == 48000)
        #expect(try #require(trak.child("mdia/mdhd")).uint32(at: 12) == 48000)
        let stbl = try #require(trak.child("mdia/minf/stbl"))
        #expect(stbl.children.map(\.type) == ["stsd", "stts", "stsc", "stsz", "stco", "sgpd", "sbgp"])
        let entry = try #require(stbl.child("stsd")?.children(skipping: 8).first)
        #expect(entry.type == "Opus")
        #expect(entry.uint16(at: 16) == 2) // channelcount
        #expect(entry.uint16(at: 18) == 16) // samplesize
        #expect(entry.uint32(at: 24) == 48000 << 16)
        let dOps = try #require(entry.children(skipping: 28).first)
        #expect(dOps.type == "dOps")
        #expect(Array(dOps.body.readableBytesView) == [0, 2, 0x01, 0x38, 0, 0, 0xBB, 0x80, 0, 0, 0])
        let sgpd = try #require(stbl.child("sgpd"))
        #expect(sgpd.version == 1)
        #expect(sgpd.fourCC(at: 4) == "roll")
        #expect(sgpd.uint32(at: 8) == 2) // default_length
        #expect(sgpd.uint32(at: 12) == 1) // entry_count
        #expect(Int16(bitPattern: sgpd.uint16(at: 16)) == -4)
        let sbgp = try #require(stbl.child("sbgp"))
        #expect(sbgp.fourCC(at: 4) == "roll")
        #expect(sbgp.uint32(at: 8) == 0)
    }

    @Test func aacInitSegmentsKeepTheirBrands() throws {
        let segment = InitSegment.make(tracks: [FMP4Track(id: 2, config: try MediaSamples.audioConfig())])
        let ftyp = try #require(Box.parse(segment).first("ftyp"))
        #expect(ftyp.size == 28)
        #expect([8, 12, 16].map { ftyp.fourCC(at: $0) } == ["iso6", "isom", "mp41"])
    }

    @Test func fragmentsCarryTheTOCDurationAndTheRollSampleGroup() throws {
        // setup: a 20 ms and a 10 ms CELT packet
        let track = try Self.opusTrack()
        var writer = FragmentWriter()
        for (toc, samples) in [(UInt8(0xFC), UInt32(960)), (UInt8(0xF4), UInt32(480))] {
            let payload = ByteBuffer(bytes: [toc] + [UInt8](repeating: 0x55, count: 80))
            let frame = MediaFrame(kind: .audio, dts: 1000, isKeyframe: true, payload: payload)
            // act
            let fragment = writer.fragment(for: frame, track: track)
            // check
            let moof = try #require(Box.parse(fragment.bytes).first("moof"))
            let traf = try #require(moof.child("traf"))
            #expect(traf.children.map(\.type) == ["tfhd", "tfdt", "trun", "sbgp"])
            #expect(try #require(traf.child("tfdt")).uint64(at: 4) == 48000)
            let trun = try #require(traf.child("trun"))
            #expect(trun.uint32(at: 12) == samples)
            #expect(trun.uint32(at: 20) == 0x0200_0000) // every Opus sample is a sync sample
            let dataOffset = Int(trun.int32(at: 8))
            #expect(fragment.bytes.getSlice(at: moof.offset + dataOffset, length: 81) == payload)
            let sbgp = try #require(traf.child("sbgp"))
            #expect([sbgp.uint32(at: 8), sbgp.uint32(at: 12), sbgp.uint32(at: 16)] == [1, 1, 1])
            #expect(fragment.duration == Double(samples) / 48)
            #expect(fragment.header.readableBytes == 140)
        }
    }

    @Test func mimeTypesNameOpus() throws {
        // setup
        let audioOnly = LiveHub(name: "opus-radio", configuration: .init(audioOnlyDecisionDelay: 0))
        let both = LiveHub(name: "opus-video")
        let opus = TrackConfig.opus(try OpusConfig(channelCount: 2))
        let packet = ByteBuffer(bytes: [0xFC, 1, 2, 3])
        // act
        audioOnly.setTrack(opus)
        audioOnly.ingest(MediaFrame(kind: .audio, dts: 0, isKeyframe: true, payload: packet))
        both.setTrack(try MediaSamples.videoConfig())
        both.setTrack(opus)
        both.ingest(MediaSamples.video(0, key: true))
        both.ingest(MediaFrame(kind: .audio, dts: 0, isKeyframe: true, payload: packet))
        // check
        #expect(audioOnly.mimeType == "audio/mp4; codecs=\"opus\"")
        #expect(both.mimeType == "video/mp4; codecs=\"avc1.64001f,opus\"")
        #expect(both.stats.audioCodec == "opus")
    }
}
