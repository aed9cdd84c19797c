import NIOCore

/// Rewrites a recorded segment, one `moof` + `mdat` per frame as `FragmentWriter` cuts it for
/// low latency, into one `moof` (a `traf` per track) and one `mdat` (decision 0049). A VOD
/// player gains nothing from per-frame chunks, and VLC 3 cannot seek through them.
///
/// Only the exact layout `FragmentWriter` writes is understood; anything else (another writer's
/// boxes, a truncated file, sizes that do not add up) gives `nil`, and the caller serves the
/// segment unchanged. Every read is bounds-checked and every input-derived number converted
/// with `exactly:`, so no input can trap.
public enum SegmentCoalescer {
    public static func coalesce(_ segment: ByteBuffer) -> ByteBuffer? {
        guard let (sequenceNumber, parsed) = parse(segment) else { return nil }
        var tracks = parsed
        // The written durations are predictions (see `FragmentWriter`); consecutive decode times
        // are the truth. The last sample of a track has no successor and keeps its prediction.
        for index in tracks.indices {
            let samples = tracks[index].samples
            for (position, next) in zip(samples.indices, samples.dropFirst()) {
                let decodeTime = samples[position].decodeTime
                guard next.decodeTime >= decodeTime, let duration = UInt32(exactly: next.decodeTime - decodeTime) else {
                    return nil
                }
                tracks[index].samples[position].duration = duration
            }
        }
        // All tracks in one moof: VLC 3 starts nothing from a seek into the second half of a
        // recording whose segments hold several moofs each, whichever track leads them.
        tracks.sort { $0.id < $1.id }
        return write(sequenceNumber: sequenceNumber, tracks: tracks)
    }

    private struct Sample {
        var decodeTime: UInt64
        var duration: UInt32
        var flags: UInt32
        var compositionOffset: Int32
        var payload: ByteBuffer
    }

    private struct Track {
        var id: UInt32
        /// Opus: every chunk carries the `roll` sample group, so the merged `traf` must too.
        var hasRollGroup: Bool
        var samples: [Sample]
    }

    /// The first `mfhd` sequence number and each track's samples in decode order (tracks in
    /// order of first appearance).
    private static func parse(_ segment: ByteBuffer) -> (UInt32, [Track])? {
        var reader = segment
        var firstSequenceNumber: UInt32?
        var tracks: [Track] = []
        while reader.readableBytes > 0 {
            guard let moof = reader.readBox("moof"), let mdat = reader.readBox("mdat"),
                  let chunk = parseChunk(moof: moof, mdat: mdat)
            else { return nil }
            firstSequenceNumber = firstSequenceNumber ?? chunk.sequenceNumber
            if let index = tracks.firstIndex(where: { $0.id == chunk.trackID }) {
                guard tracks[index].hasRollGroup == chunk.hasRollGroup else { return nil }
                tracks[index].samples.append(chunk.sample)
            } else {
                tracks.append(Track(id: chunk.trackID, hasRollGroup: chunk.hasRollGroup, samples: [chunk.sample]))
            }
        }
        guard let firstSequenceNumber else { return nil }
        return (firstSequenceNumber, tracks)
    }

    private struct Chunk {
        var sequenceNumber: UInt32
        var trackID: UInt32
        var hasRollGroup: Bool
        var sample: Sample
    }

    /// One chunk: `mfhd`, one `traf` of `tfhd`, `tfdt`, a one-sample `trun` and for Opus the
    /// `sbgp`, each with exactly the version, flags and length `FragmentWriter` gives it, and a
    /// sample that is exactly the `mdat`'s payload.
    private static func parseChunk(moof: ByteBuffer, mdat: ByteBuffer) -> Chunk? {
        var moofBody = moof
        guard var mfhd = moofBody.readFullBox("mfhd", version: 0, flags: 0, fieldBytes: 4),
              let sequenceNumber = mfhd.readInteger(as: UInt32.self),
              var traf = moofBody.readBox("traf"), moofBody.readableBytes == 0,
              var tfhd = traf.readFullBox("tfhd", version: 0, flags: 0x02_0000, fieldBytes: 4), // default-base-is-moof
              let trackID = tfhd.readInteger(as: UInt32.self),
              var tfdt = traf.readFullBox("tfdt", version: 1, flags: 0, fieldBytes: 8),
              let decodeTime = tfdt.readInteger(as: UInt64.self),
              var trun = traf.readFullBox("trun", version: 1, flags: 0x00_0F01, fieldBytes: 24),
              trun.readInteger(as: UInt32.self) == 1, // sample_count
              let dataOffset = trun.readInteger(as: Int32.self),
              let duration = trun.readInteger(as: UInt32.self),
              let size = trun.readInteger(as: UInt32.self),
              let flags = trun.readInteger(as: UInt32.self),
              let compositionOffset = trun.readInteger(as: Int32.self),
              // The offset counts from the moof's first byte; the sample must be the whole mdat.
              Int(dataOffset) == 8 + moof.readableBytes + 8, Int(size) == mdat.readableBytes
        else { return nil }
        let hasRollGroup = traf.readableBytes > 0
        if hasRollGroup {
            guard var sbgp = traf.readFullBox("sbgp", version: 0, flags: 0, fieldBytes: 16),
                  sbgp.readString(length: 4) == "roll",
                  sbgp.readInteger(as: UInt32.self) == 1, // entry_count
                  sbgp.readInteger(as: UInt32.self) == 1, // sample_count
                  sbgp.readInteger(as: UInt32.self) == 1, // group_description_index
                  traf.readableBytes == 0
            else { return nil }
        }
        let sample = Sample(decodeTime: decodeTime, duration: duration, flags: flags, compositionOffset: compositionOffset, payload: mdat)
        return Chunk(sequenceNumber: sequenceNumber, trackID: trackID, hasRollGroup: hasRollGroup, sample: sample)
    }

    /// One `moof` with a `traf` per track, then one `mdat` with each track's samples together,
    /// in the order of the trafs.
    private static func write(sequenceNumber: UInt32, tracks: [Track]) -> ByteBuffer? {
        let payloadBytes = tracks.map { $0.samples.reduce(0) { $0 + $1.payload.readableBytes } }
        guard let mdatSize = UInt32(exactly: 8 + payloadBytes.reduce(0, +)) else { return nil }
        var output = ByteBuffer()
        // Data offsets count from the moof's start, whose size is known once it is written.
        var dataOffsetFields: [Int] = []
        output.writeBox("moof") { moof in
            moof.writeFullBox("mfhd", version: 0, flags: 0) { $0.writeInteger(sequenceNumber) }
            for track in tracks {
                moof.writeBox("traf") { traf in
                    traf.writeFullBox("tfhd", version: 0, flags: 0x02_0000) { $0.writeInteger(track.id) }
                    traf.writeFullBox("tfdt", version: 1, flags: 0) { $0.writeInteger(track.samples.first?.decodeTime ?? 0) }
                    traf.writeFullBox("trun", version: 1, flags: 0x00_0F01) { trun in
                        trun.writeInteger(UInt32(clamping: track.samples.count))
                        dataOffsetFields.append(trun.writerIndex)
                        trun.writeInteger(Int32(0)) // set below
                        for sample in track.samples {
                            trun.writeInteger(sample.duration)
                            trun.writeInteger(UInt32(clamping: sample.payload.readableBytes))
                            trun.writeInteger(sample.flags)
                            trun.writeInteger(sample.compositionOffset)
                        }
                    }
                    if track.hasRollGroup {
                        traf.writeOpusRollSampleGroup(sampleCount: UInt32(clamping: track.samples.count))
                    }
                }
            }
        }
        var dataOffset = output.writerIndex + 8
        for (field, bytes) in zip(dataOffsetFields, payloadBytes) {
            guard let value = Int32(exactly: dataOffset) else { return nil }
            output.setInteger(value, at: field)
            dataOffset += bytes
        }
        output.writeInteger(mdatSize)
        output.writeFourCC("mdat")
        for track in tracks {
            for sample in track.samples { output.writeImmutableBuffer(sample.payload) }
        }
        return output
    }
}

extension ByteBuffer {
    /// The body of the next box if it is a `type` box that fits in what is left (no 64-bit or
    /// to-the-end sizes: our writer never makes them).
    fileprivate mutating func readBox(_ type: String) -> ByteBuffer? {
        guard let size = getInteger(at: readerIndex, as: UInt32.self), size >= 8, Int(size) <= readableBytes,
              getString(at: readerIndex + 4, length: 4) == type
        else { return nil }
        moveReaderIndex(forwardBy: 8)
        return readSlice(length: Int(size) - 8)
    }

    /// The fields of the next full box if it is `type` with this version and flags and exactly
    /// `fieldBytes` after them.
    fileprivate mutating func readFullBox(_ type: String, version: UInt8, flags: UInt32, fieldBytes: Int) -> ByteBuffer? {
        guard var body = readBox(type), body.readInteger(as: UInt32.self) == UInt32(version) << 24 | flags,
              body.readableBytes == fieldBytes
        else { return nil }
        return body
    }
}
