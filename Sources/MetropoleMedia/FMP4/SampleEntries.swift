import NIOCore

/// The `stsd` sample entries: `avc1` + `avcC` for H.264 (14496-15 5.4), `mp4a` + `esds`
/// for AAC (14496-14 5.6) and `Opus` + `dOps` for Opus (`opus_in_isobmff` 4.3.1).
extension ByteBuffer {
    mutating func writeSampleEntry(for config: TrackConfig) {
        switch config {
        case .avc(let record): writeAVC1(record)
        case .aac(let audio): writeMP4A(audio)
        case .opus(let audio): writeOpus(audio)
        }
    }

    private mutating func writeSampleEntryHeader() {
        writeZeros(6)
        writeInteger(UInt16(1)) // data_reference_index
    }

    private mutating func writeAVC1(_ record: AVCDecoderConfigurationRecord) {
        writeBox("avc1") { buffer in
            buffer.writeSampleEntryHeader()
            buffer.writeZeros(16) // pre_defined, reserved
            buffer.writeInteger(UInt16(clamping: record.width))
            buffer.writeInteger(UInt16(clamping: record.height))
            buffer.writeInteger(UInt32(0x0048_0000)) // 72 dpi
            buffer.writeInteger(UInt32(0x0048_0000))
            buffer.writeInteger(UInt32(0))
            buffer.writeInteger(UInt16(1)) // frame_count
            buffer.writeZeros(32) // compressorname
            buffer.writeInteger(UInt16(0x0018)) // depth
            buffer.writeInteger(Int16(-1))
            buffer.writeBox("avcC") { $0.writeImmutableBuffer(record.bytes) }
        }
    }

    private mutating func writeMP4A(_ audio: AudioSpecificConfig) {
        writeBox("mp4a") { buffer in
            buffer.writeSampleEntryHeader()
            buffer.writeZeros(8)
            buffer.writeInteger(UInt16(clamping: audio.channelCount))
            buffer.writeInteger(UInt16(16)) // samplesize
            buffer.writeZeros(4)
            // 16.16 fixed point; rates above 65535 do not fit and decoders read the esds anyway.
            buffer.writeInteger(audio.sampleRate <= 0xFFFF ? UInt32(audio.sampleRate) << 16 : 0)
            buffer.writeESDS(audio)
        }
    }

    private mutating func writeOpus(_ audio: OpusConfig) {
        writeBox("Opus") { buffer in
            buffer.writeSampleEntryHeader()
            buffer.writeZeros(8)
            buffer.writeInteger(UInt16(audio.channelCount))
            buffer.writeInteger(UInt16(16)) // samplesize
            buffer.writeZeros(4)
            buffer.writeInteger(UInt32(OpusConfig.clockRate) << 16)
            // OpusDecoderConfigurationRecord: Ogg's OpusHead fields, big-endian, family 0.
            buffer.writeBox("dOps") { dOps in
                dOps.writeInteger(UInt8(0)) // Version
                dOps.writeInteger(UInt8(audio.channelCount))
                dOps.writeInteger(audio.preSkip)
                dOps.writeInteger(audio.inputSampleRate)
                dOps.writeInteger(audio.outputGain)
                dOps.writeInteger(UInt8(0)) // ChannelMappingFamily: mono or stereo, no table
            }
        }
    }

    /// The `roll` group description every Opus sample refers to (`opus_in_isobmff` 4.3.6.2):
    /// decode 80 ms before the sample for correct output. The distance counts samples (packets);
    /// -4 assumes 20 ms packets, which every WebRTC sender we know uses. Other sizes only
    /// change how much a seeking player decodes first, never what it plays.
    mutating func writeOpusRollGroupDescription() {
        writeFullBox("sgpd", version: 1, flags: 0) { sgpd in
            sgpd.writeFourCC("roll")
            sgpd.writeInteger(UInt32(2)) // default_length: one int16 per entry
            sgpd.writeInteger(UInt32(1)) // entry_count
            sgpd.writeInteger(Int16(-4)) // roll_distance
        }
    }

    /// Maps `sampleCount` samples to the `roll` description (index 1 in the `moov`'s `sgpd`);
    /// with 0 the box only announces the grouping, as the empty sample table of a fragmented
    /// file must.
    mutating func writeOpusRollSampleGroup(sampleCount: UInt32) {
        writeFullBox("sbgp", version: 0, flags: 0) { sbgp in
            sbgp.writeFourCC("roll")
            if sampleCount == 0 {
                sbgp.writeInteger(UInt32(0))
            } else {
                sbgp.writeInteger(UInt32(1)) // entry_count
                sbgp.writeInteger(sampleCount)
                sbgp.writeInteger(UInt32(1)) // group_description_index
            }
        }
    }

    /// MPEG-4 Systems descriptors (14496-1 7.2.6): ES_Descriptor > DecoderConfigDescriptor >
    /// DecoderSpecificInfo (the AudioSpecificConfig), plus the mandatory SLConfigDescriptor.
    private mutating func writeESDS(_ audio: AudioSpecificConfig) {
        let specificInfo = audio.bytes.readableBytes
        let decoderConfig = 13 + Self.descriptorSize(specificInfo)
        let elementary = 3 + Self.descriptorSize(decoderConfig) + Self.descriptorSize(1)
        writeFullBox("esds", version: 0, flags: 0) { buffer in
            buffer.writeDescriptorHeader(tag: 0x03, length: elementary)
            buffer.writeInteger(UInt16(0)) // ES_ID
            buffer.writeInteger(UInt8(0)) // no dependency, URL or OCR stream
            buffer.writeDescriptorHeader(tag: 0x04, length: decoderConfig)
            buffer.writeInteger(UInt8(0x40)) // objectTypeIndication: MPEG-4 Audio
            buffer.writeInteger(UInt8(0x15)) // streamType audio (5) << 2 | reserved 1
            buffer.writeZeros(3) // bufferSizeDB
            buffer.writeInteger(UInt32(0)) // maxBitrate
            buffer.writeInteger(UInt32(0)) // avgBitrate
            buffer.writeDescriptorHeader(tag: 0x05, length: specificInfo)
            buffer.writeImmutableBuffer(audio.bytes)
            buffer.writeDescriptorHeader(tag: 0x06, length: 1)
            buffer.writeInteger(UInt8(0x02)) // predefined SL config for MP4 files
        }
    }

    /// Size of a descriptor with its tag and length field.
    private static func descriptorSize(_ length: Int) -> Int {
        1 + lengthFieldSize(length) + length
    }

    private static func lengthFieldSize(_ length: Int) -> Int {
        var size = 1
        var rest = length >> 7
        while rest > 0 {
            size += 1
            rest >>= 7
        }
        return size
    }

    /// Descriptor lengths are 7 bits per byte, high bit meaning "more follows".
    private mutating func writeDescriptorHeader(tag: UInt8, length: Int) {
        writeInteger(tag)
        let size = Self.lengthFieldSize(length)
        for index in stride(from: size - 1, through: 0, by: -1) {
            let septet = UInt8((length >> (7 * index)) & 0x7F)
            writeInteger(index == 0 ? septet : septet | 0x80)
        }
    }
}
