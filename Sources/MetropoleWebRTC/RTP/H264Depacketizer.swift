import MetropoleMedia
import NIOCore

/// Reassembles H.264 access units from RTP (RFC 6184, packetization mode 1: single NAL unit,
/// STAP-A and FU-A packets) into AVCC frames, as FLV and MP4 carry them: each NAL unit behind a
/// 4-byte length.
///
/// An access unit is the packets of one RTP timestamp, ended by the marker bit (or, when that
/// packet is lost, by the next timestamp). SPS and PPS are taken from the stream, kept out of the
/// frames and turned into the `AVCDecoderConfigurationRecord`; AUDs are dropped. Nothing is
/// output until an IDR arrives with SPS and PPS known, and after any loss (a frame with a missing
/// packet, or packets lost between frames) everything waits for the next IDR again:
/// `isWaitingForKeyframe` tells the receiver to send PLIs.
struct H264Depacketizer: Sendable {
    enum Output: Sendable {
        /// A new decoder configuration, before the keyframe that first uses it.
        case configuration(AVCDecoderConfigurationRecord)
        case frame(timestamp: UInt32, isKeyframe: Bool, payload: ByteBuffer)
    }

    private enum NALType {
        static let idr: UInt8 = 5
        static let sps: UInt8 = 7
        static let pps: UInt8 = 8
        static let accessUnitDelimiter: UInt8 = 9
        static let stapA: UInt8 = 24
        static let fuA: UInt8 = 28
    }

    /// A frame larger than this is refused: no sane 4K keyframe comes near it.
    static let maxAccessUnitSize = 8 << 20

    private var accessUnit = ByteBuffer()
    private var timestamp: UInt32?
    private var isCorrupt = false
    private var hasIDR = false
    /// Where the 4-byte length of the FU-A NAL unit being reassembled sits in `accessUnit`.
    private var fragmentStart: Int?
    private var sequenceParameterSet: ByteBuffer?
    private var pictureParameterSet: ByteBuffer?
    private(set) var configuration: AVCDecoderConfigurationRecord?
    private(set) var isWaitingForKeyframe = true
    /// Access units thrown away: incomplete, before a keyframe, or malformed.
    private(set) var droppedFrames = 0

    /// Takes the next packet in sequence order; `lostBefore` counts packets lost just before it.
    mutating func push(_ packet: RTPPacket, lostBefore: Int64, into output: inout [Output]) {
        if lostBefore > 0 {
            if timestamp != nil { discardAccessUnit() }
            isWaitingForKeyframe = true
        }
        if let current = timestamp, current != packet.header.timestamp {
            finishAccessUnit(into: &output)
        }
        if timestamp == nil {
            timestamp = packet.header.timestamp
        }
        readPayload(packet.payload)
        if accessUnit.readableBytes > Self.maxAccessUnitSize { isCorrupt = true }
        if packet.header.marker {
            finishAccessUnit(into: &output)
        }
    }

    private mutating func readPayload(_ payload: ByteBuffer) {
        var payload = payload
        guard let indicator = payload.getInteger(at: payload.readerIndex, as: UInt8.self), indicator & 0x80 == 0 else {
            isCorrupt = true
            return
        }
        let type = indicator & 0x1F
        if type != NALType.fuA, fragmentStart != nil {
            // A fragmented NAL unit that never saw its end fragment.
            isCorrupt = true
            fragmentStart = nil
        }
        switch type {
        case 1...23:
            append(nalUnit: payload)
        case NALType.stapA:
            payload.moveReaderIndex(forwardBy: 1)
            while payload.readableBytes > 0 {
                guard let size = payload.readInteger(as: UInt16.self), size > 0, let unit = payload.readSlice(length: Int(size)) else {
                    isCorrupt = true
                    return
                }
                append(nalUnit: unit)
            }
        case NALType.fuA:
            readFragment(payload, indicator: indicator)
        default:
            // STAP-B, MTAP and FU-B belong to interleaved mode, which is never negotiated;
            // 0, 30 and 31 are reserved.
            isCorrupt = true
        }
    }

    private mutating func readFragment(_ payload: ByteBuffer, indicator: UInt8) {
        var payload = payload
        guard let header = payload.getInteger(at: payload.readerIndex + 1, as: UInt8.self), payload.readableBytes > 2 else {
            isCorrupt = true
            return
        }
        payload.moveReaderIndex(forwardBy: 2)
        let isStart = header & 0x80 != 0
        let isEnd = header & 0x40 != 0
        if isStart {
            if fragmentStart != nil { isCorrupt = true }
            let nalHeader = indicator & 0xE0 | header & 0x1F
            fragmentStart = accessUnit.writerIndex
            accessUnit.writeInteger(UInt32(0))
            accessUnit.writeInteger(nalHeader)
        }
        guard let start = fragmentStart else {
            // The start fragment was lost: this NAL unit cannot be rebuilt.
            isCorrupt = true
            return
        }
        accessUnit.writeImmutableBuffer(payload)
        if isEnd {
            fragmentStart = nil
            let length = accessUnit.writerIndex - start - 4
            accessUnit.setInteger(UInt32(length), at: start)
            noteNALUnit(type: header & 0x1F, at: start + 4, length: length)
        }
    }

    private mutating func append(nalUnit: ByteBuffer) {
        guard let header = nalUnit.getInteger(at: nalUnit.readerIndex, as: UInt8.self), header & 0x80 == 0 else {
            isCorrupt = true
            return
        }
        switch header & 0x1F {
        case NALType.sps:
            // Copied: a slice would keep the whole datagram alive for the stream's lifetime.
            sequenceParameterSet = ByteBuffer(bytes: nalUnit.readableBytesView)
        case NALType.pps:
            pictureParameterSet = ByteBuffer(bytes: nalUnit.readableBytesView)
        case NALType.accessUnitDelimiter:
            break
        case let type:
            accessUnit.writeInteger(UInt32(nalUnit.readableBytes))
            accessUnit.writeImmutableBuffer(nalUnit)
            if type == NALType.idr { hasIDR = true }
        }
    }

    /// A reassembled FU-A unit: parameter sets move out of the frame like single ones.
    private mutating func noteNALUnit(type: UInt8, at offset: Int, length: Int) {
        switch type {
        case NALType.sps, NALType.pps, NALType.accessUnitDelimiter:
            let unit = accessUnit.getSlice(at: offset, length: length)
            accessUnit.moveWriterIndex(to: offset - 4)
            if let unit, type != NALType.accessUnitDelimiter { append(nalUnit: unit) }
        case NALType.idr:
            hasIDR = true
        default:
            break
        }
    }

    private mutating func finishAccessUnit(into output: inout [Output]) {
        defer { discardAccessUnit(counting: false) }
        guard let timestamp, accessUnit.readableBytes > 0 || isCorrupt || fragmentStart != nil else { return }
        guard !isCorrupt, fragmentStart == nil else {
            droppedFrames += 1
            isWaitingForKeyframe = true
            return
        }
        if hasIDR {
            guard startConfiguration(into: &output) else {
                droppedFrames += 1
                return
            }
            isWaitingForKeyframe = false
        } else if isWaitingForKeyframe {
            droppedFrames += 1
            return
        }
        let frame = accessUnit
        accessUnit = ByteBuffer()
        accessUnit.reserveCapacity(frame.readableBytes)
        output.append(.frame(timestamp: timestamp, isKeyframe: hasIDR, payload: frame))
    }

    /// Announces the record for the parameter sets in force, unless it is the one announced
    /// last; `false` when there are none, or they do not parse.
    private mutating func startConfiguration(into output: inout [Output]) -> Bool {
        guard let sps = sequenceParameterSet, let pps = pictureParameterSet else { return false }
        if let configuration, configuration.sequenceParameterSets == [sps], configuration.pictureParameterSets == [pps] {
            return true
        }
        guard let record = try? AVCDecoderConfigurationRecord(sequenceParameterSets: [sps], pictureParameterSets: [pps]) else {
            return false
        }
        configuration = record
        output.append(.configuration(record))
        return true
    }

    private mutating func discardAccessUnit(counting: Bool = true) {
        if counting, accessUnit.readableBytes > 0 { droppedFrames += 1 }
        accessUnit.clear()
        timestamp = nil
        isCorrupt = false
        hasIDR = false
        fragmentStart = nil
    }
}
