import NIOCore

/// The parts of an H.264 sequence parameter set (ITU-T H.264 7.3.2.1.1) that a container needs:
/// the displayed picture size for `tkhd`/`avc1` and the nominal frame rate when the encoder
/// wrote VUI timing. Fields the container never uses are read only to get past them.
public struct SequenceParameterSet: Sendable, Equatable {
    public var profile: UInt8
    public var level: UInt8
    /// Displayed width in pixels, after frame cropping.
    public var width: Int
    /// Displayed height in pixels, after frame cropping (and doubled for field coding).
    public var height: Int
    /// Frames per second from VUI timing (`time_scale / (2 * num_units_in_tick)`), if present.
    public var frameRate: Double?

    /// Profiles whose SPS carries chroma format, bit depth and scaling lists (H.264 7.3.2.1.1).
    private static let highProfiles: Set<UInt8> = [100, 110, 122, 244, 44, 83, 86, 118, 128, 138, 139, 134, 135]

    /// Parses a whole SPS NAL unit, header byte included, emulation prevention still in place.
    public init(parsing nal: ByteBuffer) throws(MediaFormatError) {
        var reader = BitReader(removingEmulationPrevention: nal.readableBytesView)
        let nalType = try reader.bits(8) & 0x1F
        guard nalType == 7 else { throw .invalid("SPS NAL unit type \(nalType)") }
        let profile = UInt8(try reader.bits(8))
        try reader.skip(8) // constraint flags
        let level = UInt8(try reader.bits(8))
        _ = try reader.unsignedExpGolomb() // seq_parameter_set_id

        var chromaFormat: UInt32 = 1
        var separateColourPlanes = false
        if Self.highProfiles.contains(profile) {
            chromaFormat = try reader.unsignedExpGolomb()
            guard chromaFormat <= 3 else { throw .invalid("SPS chroma_format_idc \(chromaFormat)") }
            if chromaFormat == 3 { separateColourPlanes = try reader.flag() }
            _ = try reader.unsignedExpGolomb() // bit_depth_luma_minus8
            _ = try reader.unsignedExpGolomb() // bit_depth_chroma_minus8
            try reader.skip(1) // qpprime_y_zero_transform_bypass_flag
            if try reader.flag() {
                for index in 0..<(chromaFormat == 3 ? 12 : 8) {
                    if try reader.flag() {
                        try Self.skipScalingList(&reader, size: index < 6 ? 16 : 64)
                    }
                }
            }
        }
        _ = try reader.unsignedExpGolomb() // log2_max_frame_num_minus4
        let pictureOrderCountType = try reader.unsignedExpGolomb()
        if pictureOrderCountType == 0 {
            _ = try reader.unsignedExpGolomb() // log2_max_pic_order_cnt_lsb_minus4
        } else if pictureOrderCountType == 1 {
            try reader.skip(1) // delta_pic_order_always_zero_flag
            _ = try reader.signedExpGolomb() // offset_for_non_ref_pic
            _ = try reader.signedExpGolomb() // offset_for_top_to_bottom_field
            let cycle = try reader.unsignedExpGolomb()
            guard cycle <= 255 else { throw .invalid("SPS num_ref_frames_in_pic_order_cnt_cycle \(cycle)") }
            for _ in 0..<cycle { _ = try reader.signedExpGolomb() }
        }
        _ = try reader.unsignedExpGolomb() // max_num_ref_frames
        try reader.skip(1) // gaps_in_frame_num_value_allowed_flag
        let widthInMacroblocks = Int(try reader.unsignedExpGolomb()) + 1
        let heightInMapUnits = Int(try reader.unsignedExpGolomb()) + 1
        let frameMacroblocksOnly = try reader.flag()
        if !frameMacroblocksOnly { try reader.skip(1) } // mb_adaptive_frame_field_flag
        try reader.skip(1) // direct_8x8_inference_flag

        // Cropping is counted in chroma sample units (H.264 7.4.2.1.1, table 6-1).
        let chromaArrayType = separateColourPlanes ? 0 : chromaFormat
        let fieldFactor = frameMacroblocksOnly ? 1 : 2
        let cropUnitX = chromaArrayType == 1 || chromaArrayType == 2 ? 2 : 1
        let cropUnitY = (chromaArrayType == 1 ? 2 : 1) * fieldFactor
        var crop = (left: 0, right: 0, top: 0, bottom: 0)
        if try reader.flag() {
            crop.left = Int(try reader.unsignedExpGolomb())
            crop.right = Int(try reader.unsignedExpGolomb())
            crop.top = Int(try reader.unsignedExpGolomb())
            crop.bottom = Int(try reader.unsignedExpGolomb())
        }
        let width = widthInMacroblocks * 16 - cropUnitX * (crop.left + crop.right)
        let height = fieldFactor * heightInMapUnits * 16 - cropUnitY * (crop.top + crop.bottom)
        guard width > 0, height > 0, width <= 16384, height <= 16384 else {
            throw .invalid("SPS picture size \(width)x\(height)")
        }

        var frameRate: Double?
        if try reader.flag() {
            frameRate = try Self.frameRateFromVUI(&reader)
        }

        self.profile = profile
        self.level = level
        self.width = width
        self.height = height
        self.frameRate = frameRate
    }

    private static func skipScalingList(_ reader: inout BitReader, size: Int) throws(MediaFormatError) {
        var last: Int32 = 8
        var next: Int32 = 8
        for _ in 0..<size where next != 0 {
            let delta = try reader.signedExpGolomb()
            next = (last + delta + 256) % 256
            if next != 0 { last = next }
        }
    }

    /// Reads VUI (H.264 E.1.1) up to the timing info. A VUI cut short before the timing fields
    /// only loses the frame rate, so truncation there is not an error.
    private static func frameRateFromVUI(_ reader: inout BitReader) throws(MediaFormatError) -> Double? {
        do {
            if try reader.flag() { // aspect_ratio_info_present_flag
                if try reader.bits(8) == 255 { try reader.skip(32) } // Extended_SAR
            }
            if try reader.flag() { try reader.skip(1) } // overscan
            if try reader.flag() { // video_signal_type_present_flag
                try reader.skip(4)
                if try reader.flag() { try reader.skip(24) } // colour description
            }
            if try reader.flag() { // chroma_loc_info_present_flag
                _ = try reader.unsignedExpGolomb()
                _ = try reader.unsignedExpGolomb()
            }
            guard try reader.flag() else { return nil } // timing_info_present_flag
            let unitsInTick = try reader.bits(32)
            let timeScale = try reader.bits(32)
            guard unitsInTick > 0, timeScale > 0 else { return nil }
            return Double(timeScale) / (2 * Double(unitsInTick))
        } catch {
            return nil
        }
    }
}
