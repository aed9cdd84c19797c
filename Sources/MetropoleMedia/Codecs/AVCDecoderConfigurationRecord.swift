import NIOCore

/// ISO/IEC 14496-15 AVCDecoderConfigurationRecord: what an H.264 decoder needs before the
/// first frame. FLV carries it in the sequence-header tag; fMP4 stores it verbatim in `avcC`.
public struct AVCDecoderConfigurationRecord: Sendable, Equatable {
    /// The record exactly as received, written back unchanged into `avcC`.
    public var bytes: ByteBuffer
    public var profile: UInt8
    public var profileCompatibility: UInt8
    public var level: UInt8
    /// Size in bytes of the length prefix in front of every NAL unit (1, 2 or 4).
    public var nalLengthSize: Int
    public var sequenceParameterSets: [ByteBuffer]
    public var pictureParameterSets: [ByteBuffer]
    /// The first SPS, parsed; `nil` when it uses syntax this parser does not follow. The stream
    /// still plays then (decoders read the SPS themselves), only the size and rate are unknown.
    public var sequenceParameterSet: SequenceParameterSet?

    /// Displayed picture size from the SPS, 0 when unknown.
    public var width: Int { sequenceParameterSet?.width ?? 0 }
    public var height: Int { sequenceParameterSet?.height ?? 0 }
    /// Nominal frame rate from the SPS VUI timing, if the encoder wrote it.
    public var frameRate: Double? { sequenceParameterSet?.frameRate }

    public init(parsing buffer: ByteBuffer) throws(MediaFormatError) {
        var reader = buffer
        guard let version = reader.readInteger(as: UInt8.self),
              let profile = reader.readInteger(as: UInt8.self),
              let compatibility = reader.readInteger(as: UInt8.self),
              let level = reader.readInteger(as: UInt8.self),
              let lengthByte = reader.readInteger(as: UInt8.self),
              let spsCountByte = reader.readInteger(as: UInt8.self)
        else { throw .truncated("AVCDecoderConfigurationRecord") }
        guard version == 1 else { throw .invalid("AVCDecoderConfigurationRecord version \(version)") }
        let nalLengthSize = Int(lengthByte & 0x03) + 1
        guard nalLengthSize != 3 else { throw .invalid("AVC NAL length size 3") }

        func readSets(count: Int) throws(MediaFormatError) -> [ByteBuffer] {
            var sets: [ByteBuffer] = []
            for _ in 0..<count {
                guard let length = reader.readInteger(as: UInt16.self),
                      let set = reader.readSlice(length: Int(length))
                else { throw .truncated("AVC parameter set") }
                sets.append(set)
            }
            return sets
        }
        let sps = try readSets(count: Int(spsCountByte & 0x1F))
        guard let ppsCount = reader.readInteger(as: UInt8.self) else { throw .truncated("AVCDecoderConfigurationRecord") }
        let pps = try readSets(count: Int(ppsCount))
        guard !sps.isEmpty else { throw .invalid("AVCDecoderConfigurationRecord without SPS") }

        self.bytes = buffer
        self.profile = profile
        self.profileCompatibility = compatibility
        self.level = level
        self.nalLengthSize = nalLengthSize
        self.sequenceParameterSets = sps
        self.pictureParameterSets = pps
        self.sequenceParameterSet = try? SequenceParameterSet(parsing: sps[0])
    }

    /// Builds a record from parameter sets found in a stream (e.g. Annex B or RTP), as an encoder
    /// would write it, so sources without a ready-made record share this one type.
    public init(
        sequenceParameterSets: [ByteBuffer],
        pictureParameterSets: [ByteBuffer],
        nalLengthSize: Int = 4
    ) throws(MediaFormatError) {
        guard let first = sequenceParameterSets.first, first.readableBytes >= 4 else {
            throw .invalid("AVC configuration without a usable SPS")
        }
        guard [1, 2, 4].contains(nalLengthSize) else { throw .invalid("AVC NAL length size \(nalLengthSize)") }
        guard sequenceParameterSets.count < 32, pictureParameterSets.count < 256,
              (sequenceParameterSets + pictureParameterSets).allSatisfy({ $0.readableBytes <= Int(UInt16.max) })
        else { throw .invalid("AVC parameter sets too many or too large") }
        var record = ByteBuffer()
        record.writeInteger(UInt8(1))
        record.writeBytes(first.getBytes(at: first.readerIndex + 1, length: 3) ?? [])
        record.writeInteger(UInt8(0xFC | (nalLengthSize - 1)))
        record.writeInteger(UInt8(0xE0 | sequenceParameterSets.count))
        for set in sequenceParameterSets {
            record.writeInteger(UInt16(set.readableBytes))
            record.writeImmutableBuffer(set)
        }
        record.writeInteger(UInt8(pictureParameterSets.count))
        for set in pictureParameterSets {
            record.writeInteger(UInt16(set.readableBytes))
            record.writeImmutableBuffer(set)
        }
        try self.init(parsing: record)
    }

    /// RFC 6381 codecs parameter, e.g. `avc1.64001f`, as MSE and HLS want it.
    public var codecString: String {
        "avc1." + [profile, profileCompatibility, level].map { byte in
            let hex = String(byte, radix: 16)
            return hex.count == 1 ? "0" + hex : hex
        }.joined()
    }
}
