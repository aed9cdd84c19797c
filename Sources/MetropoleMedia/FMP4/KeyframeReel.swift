import NIOCore

/// A video keyframe that needs nothing else to decode: its NAL units with the parameter sets
/// in band, so keyframes of streams with different configurations can follow one another in
/// one track (`KeyframeReel`). The input of live thumbnails.
public struct Keyframe: Sendable, Equatable {
    /// The stream's configuration (its SPS and PPS are also in `sample`).
    public var record: AVCDecoderConfigurationRecord
    /// 4-byte length-prefixed NAL units: the SPS and PPS, then the picture's own.
    public var sample: ByteBuffer

    /// `nil` when a NAL length runs past the sample or there is no IDR slice. Delimiters,
    /// ends of sequence or stream and filler are left out: in a reel they would end a
    /// stream's picture early or the whole stream.
    public init?(sample: ByteBuffer, record: AVCDecoderConfigurationRecord) {
        guard (1...4).contains(record.nalLengthSize), !record.sequenceParameterSets.isEmpty,
              !record.pictureParameterSets.isEmpty
        else { return nil }
        var units = record.sequenceParameterSets + record.pictureParameterSets
        var hasIDRSlice = false
        var input = sample
        while input.readableBytes > 0 {
            guard let length = input.readLength(size: record.nalLengthSize), length > 0,
                  let unit = input.readSlice(length: length), let header = unit.getInteger(at: unit.readerIndex, as: UInt8.self)
            else { return nil }
            switch header & 0x1F {
            case 9, 10, 11, 12: continue
            case 5: hasIDRSlice = true
            default: break
            }
            units.append(unit)
        }
        guard hasIDRSlice else { return nil }
        var output = ByteBuffer()
        output.reserveCapacity(units.reduce(0) { $0 + 4 + $1.readableBytes })
        for unit in units {
            output.writeInteger(UInt32(unit.readableBytes))
            output.writeImmutableBuffer(unit)
        }
        self.record = record
        self.sample = output
    }
}

/// Keyframes of many streams as one fragmented MP4 with one video track: keyframe `i` is the
/// sample at `i` seconds. One `ffmpeg` run decodes the reel into one picture per second of it,
/// and a picture's timestamp, not its position, says whose it is: a keyframe that yields no
/// picture leaves a gap instead of handing its place to the next stream (decision 0046).
public enum KeyframeReel {
    public static func make(_ keyframes: [Keyframe]) -> ByteBuffer {
        guard let first = keyframes.first else { return ByteBuffer() }
        // The first stream's configuration in the sample entry, with 4-byte lengths like
        // every sample; each sample brings its own SPS and PPS.
        let record = (try? AVCDecoderConfigurationRecord(
            sequenceParameterSets: first.record.sequenceParameterSets,
            pictureParameterSets: first.record.pictureParameterSets
        )) ?? first.record
        let track = FMP4Track(id: 1, config: .avc(record))
        var reel = InitSegment.make(tracks: [track])
        var writer = FragmentWriter()
        for (index, keyframe) in keyframes.enumerated() {
            let frame = MediaFrame(kind: .video, dts: Int64(index) * 1000, isKeyframe: true, payload: keyframe.sample)
            writer.fragment(for: frame, track: track).write(into: &reel)
        }
        return reel
    }
}

extension ByteBuffer {
    /// A big-endian length of 1–4 bytes.
    fileprivate mutating func readLength(size: Int) -> Int? {
        guard let bytes = readBytes(length: size) else { return nil }
        return bytes.reduce(0) { $0 << 8 | Int($1) }
    }
}
