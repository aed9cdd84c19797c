import NIOCore

/// Builds the fMP4 initialization segment (`ftyp` + `moov`) that MSE, HLS `EXT-X-MAP` and ffmpeg
/// read before any fragment.
public enum InitSegment {
    /// Movie-level timescale; only `mvhd` uses it and it carries no durations when live.
    static let movieTimescale: UInt32 = 1000

    public static func make(tracks: [FMP4Track], allocator: ByteBufferAllocator = .init()) -> ByteBuffer {
        var buffer = allocator.buffer(capacity: 1024)
        // `iso6` is the brand that covers `tfdt` and signed composition offsets (trun version 1).
        // No `cmfc`: CMAF track files hold one track and ours multiplex audio with video.
        // With Opus: `Opus` declares the encapsulation and `iso2` the roll groups it needs.
        let hasOpus = tracks.contains(where: \.isOpus)
        buffer.writeBox("ftyp") { ftyp in
            ftyp.writeFourCC("iso6")
            ftyp.writeInteger(UInt32(0))
            ftyp.writeFourCC("iso6")
            ftyp.writeFourCC("isom")
            ftyp.writeFourCC("mp41")
            if hasOpus {
                ftyp.writeFourCC("iso2")
                ftyp.writeFourCC("Opus")
            }
        }
        buffer.writeBox("moov") { moov in
            moov.writeMovieHeader(nextTrackID: (tracks.map(\.id).max() ?? 0) + 1)
            for track in tracks {
                moov.writeTrack(track)
            }
            moov.writeBox("mvex") { mvex in
                for track in tracks {
                    mvex.writeFullBox("trex", version: 0, flags: 0) { trex in
                        trex.writeInteger(track.id)
                        trex.writeInteger(UInt32(1)) // default_sample_description_index
                        trex.writeZeros(12) // default duration, size, flags: each trun says its own
                    }
                }
            }
        }
        return buffer
    }
}

extension ByteBuffer {
    fileprivate mutating func writeMovieHeader(nextTrackID: UInt32) {
        writeFullBox("mvhd", version: 0, flags: 0) { mvhd in
            mvhd.writeZeros(8) // creation, modification time
            mvhd.writeInteger(InitSegment.movieTimescale)
            mvhd.writeInteger(UInt32(0)) // duration unknown: live
            mvhd.writeInteger(UInt32(0x0001_0000)) // rate 1.0
            mvhd.writeInteger(UInt16(0x0100)) // volume 1.0
            mvhd.writeZeros(10)
            mvhd.writeUnityMatrix()
            mvhd.writeZeros(24) // pre_defined
            mvhd.writeInteger(nextTrackID)
        }
    }

    fileprivate mutating func writeTrack(_ track: FMP4Track) {
        let isVideo = track.kind == .video
        writeBox("trak") { trak in
            trak.writeFullBox("tkhd", version: 0, flags: 0x03) { tkhd in // enabled, in movie
                tkhd.writeZeros(8) // creation, modification time
                tkhd.writeInteger(track.id)
                tkhd.writeZeros(4)
                tkhd.writeInteger(UInt32(0)) // duration
                tkhd.writeZeros(8)
                tkhd.writeInteger(UInt16(0)) // layer
                tkhd.writeInteger(UInt16(0)) // alternate_group
                tkhd.writeInteger(UInt16(isVideo ? 0 : 0x0100)) // volume
                tkhd.writeZeros(2)
                tkhd.writeUnityMatrix()
                let (width, height) = track.pictureSize
                tkhd.writeInteger(UInt32(width) << 16)
                tkhd.writeInteger(UInt32(height) << 16)
            }
            trak.writeBox("mdia") { mdia in
                mdia.writeFullBox("mdhd", version: 0, flags: 0) { mdhd in
                    mdhd.writeZeros(8)
                    mdhd.writeInteger(track.timescale)
                    mdhd.writeInteger(UInt32(0))
                    mdhd.writeInteger(UInt16(0x55C4)) // ISO 639-2 "und", 5 bits per letter
                    mdhd.writeInteger(UInt16(0))
                }
                mdia.writeFullBox("hdlr", version: 0, flags: 0) { hdlr in
                    hdlr.writeInteger(UInt32(0))
                    hdlr.writeFourCC(isVideo ? "vide" : "soun")
                    hdlr.writeZeros(12)
                    hdlr.writeString(isVideo ? "VideoHandler" : "SoundHandler")
                    hdlr.writeInteger(UInt8(0))
                }
                mdia.writeBox("minf") { minf in
                    if isVideo {
                        minf.writeFullBox("vmhd", version: 0, flags: 1) { $0.writeZeros(8) }
                    } else {
                        minf.writeFullBox("smhd", version: 0, flags: 0) { $0.writeZeros(4) }
                    }
                    minf.writeBox("dinf") { dinf in
                        dinf.writeFullBox("dref", version: 0, flags: 0) { dref in
                            dref.writeInteger(UInt32(1))
                            dref.writeFullBox("url ", version: 0, flags: 1) { _ in } // media in this file
                        }
                    }
                    minf.writeSampleTable(track.config)
                }
            }
        }
    }

    /// Fragmented files keep their samples in `moof`s, so the tables only describe the codec.
    fileprivate mutating func writeSampleTable(_ config: TrackConfig) {
        writeBox("stbl") { stbl in
            stbl.writeFullBox("stsd", version: 0, flags: 0) { stsd in
                stsd.writeInteger(UInt32(1))
                stsd.writeSampleEntry(for: config)
            }
            stbl.writeFullBox("stts", version: 0, flags: 0) { $0.writeInteger(UInt32(0)) }
            stbl.writeFullBox("stsc", version: 0, flags: 0) { $0.writeInteger(UInt32(0)) }
            stbl.writeFullBox("stsz", version: 0, flags: 0) { $0.writeZeros(8) }
            stbl.writeFullBox("stco", version: 0, flags: 0) { $0.writeInteger(UInt32(0)) }
            if case .opus = config {
                stbl.writeOpusRollGroupDescription()
                stbl.writeOpusRollSampleGroup(sampleCount: 0)
            }
        }
    }
}

extension FMP4Track {
    var pictureSize: (width: Int, height: Int) {
        guard case .avc(let record) = config else { return (0, 0) }
        return (min(record.width, 0xFFFF), min(record.height, 0xFFFF))
    }
}
