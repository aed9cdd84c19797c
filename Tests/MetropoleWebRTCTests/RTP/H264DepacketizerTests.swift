import MetropoleMedia
import NIOCore
import Testing

@testable import MetropoleWebRTC

/// Synthetic RFC 6184 packets around real parameter sets (libx264 720p).
@Suite struct H264DepacketizerTests {
    static let sps = hex("6764001facd9405005bb0110000003001000000303c0f1831960")
    static let pps = hex("68ebe3cb22c0")
    static let otherSPS = hex("6742c00cd90141fb0110000003001000000301e0f142a480")
    static let idr: [UInt8] = [0x65, 0x88, 0x84, 0x00, 0x33, 0x21]
    static let slice: [UInt8] = [0x41, 0x9A, 0x23, 0x10]

    static func packet(_ payload: [UInt8], timestamp: UInt32, marker: Bool = false) -> RTPPacket {
        RTPPacket(header: RTPHeader(marker: marker, payloadType: 102, sequenceNumber: 0, timestamp: timestamp, ssrc: 1),
                  payload: ByteBuffer(bytes: payload))
    }

    static func stapA(_ units: [[UInt8]]) -> [UInt8] {
        [0x78] + units.flatMap { [UInt8($0.count >> 8), UInt8($0.count & 0xFF)] + $0 }
    }

    /// FU-A fragments of `unit` in pieces of `size` bytes.
    static func fuA(_ unit: [UInt8], size: Int) -> [[UInt8]] {
        let body = Array(unit.dropFirst())
        let pieces = stride(from: 0, to: body.count, by: size).map { Array(body[$0..<min($0 + size, body.count)]) }
        return pieces.enumerated().map { index, piece in
            let start: UInt8 = index == 0 ? 0x80 : 0
            let end: UInt8 = index == pieces.count - 1 ? 0x40 : 0
            return [unit[0] & 0xE0 | 28, start | end | unit[0] & 0x1F] + piece
        }
    }

    static func avcc(_ units: [[UInt8]]) -> ByteBuffer {
        var buffer = ByteBuffer()
        for unit in units {
            buffer.writeInteger(UInt32(unit.count))
            buffer.writeBytes(unit)
        }
        return buffer
    }

    struct Run {
        var depacketizer = H264Depacketizer()
        var outputs: [H264Depacketizer.Output] = []

        mutating func push(_ packet: RTPPacket, lost: Int64 = 0) {
            depacketizer.push(packet, lostBefore: lost, into: &outputs)
        }

        var frames: [(timestamp: UInt32, key: Bool, payload: ByteBuffer)] {
            outputs.compactMap { if case .frame(let t, let k, let p) = $0 { (t, k, p) } else { nil } }
        }

        var configurations: [AVCDecoderConfigurationRecord] {
            outputs.compactMap { if case .configuration(let record) = $0 { record } else { nil } }
        }
    }

    @Test func startsAtTheFirstIDRAndKeepsParameterSetsOutOfFrames() throws {
        var run = Run()
        // act: a P-frame first (joined mid-GOP), then STAP-A [AUD, SPS, PPS] + IDR, then a P-frame
        run.push(Self.packet(Self.slice, timestamp: 0, marker: true))
        #expect(run.depacketizer.isWaitingForKeyframe)
        run.push(Self.packet(Self.stapA([[0x09, 0xF0], Self.sps, Self.pps]), timestamp: 3000))
        run.push(Self.packet(Self.idr, timestamp: 3000, marker: true))
        run.push(Self.packet(Self.slice, timestamp: 6000, marker: true))
        // check
        #expect(run.configurations.count == 1)
        let record = try #require(run.configurations.first)
        #expect(record.width == 1280 && record.height == 720 && record.nalLengthSize == 4)
        #expect(run.frames.map(\.timestamp) == [3000, 6000])
        #expect(run.frames.map(\.key) == [true, false])
        #expect(run.frames[0].payload == Self.avcc([Self.idr]))
        #expect(run.frames[1].payload == Self.avcc([Self.slice]))
        #expect(run.depacketizer.droppedFrames == 1)
        #expect(!run.depacketizer.isWaitingForKeyframe)
        // The configuration comes before the frame that needs it.
        guard case .configuration = run.outputs.first else { Issue.record("frame before configuration"); return }
    }

    @Test func reassemblesFragmentedUnits() throws {
        // setup: an IDR of 3000 bytes in FU-A pieces of 1000, SPS and PPS as single NAL units
        var run = Run()
        let bigIDR = [UInt8(0x65)] + (0..<2999).map { UInt8(truncatingIfNeeded: $0 | 1) }
        let fragments = Self.fuA(bigIDR, size: 1000)
        // act
        run.push(Self.packet(Self.sps, timestamp: 90))
        run.push(Self.packet(Self.pps, timestamp: 90))
        for (index, fragment) in fragments.enumerated() {
            run.push(Self.packet(fragment, timestamp: 90, marker: index == fragments.count - 1))
        }
        // check
        #expect(fragments.count == 3)
        #expect(run.frames.count == 1)
        #expect(run.frames.first?.payload == Self.avcc([bigIDR]))
    }

    @Test func aLostFragmentDropsFramesUntilTheNextIDR() throws {
        // setup: a decoding stream
        var run = Run()
        run.push(Self.packet(Self.stapA([Self.sps, Self.pps, Self.idr]), timestamp: 0, marker: true))
        let slice = [UInt8(0x41)] + [UInt8](repeating: 0x55, count: 20)
        let pieces = Self.fuA(slice, size: 7)
        // act: the middle fragment of frame 2 lost, then frame 3 complete, then an IDR
        run.push(Self.packet(pieces[0], timestamp: 3000))
        run.push(Self.packet(pieces[2], timestamp: 3000, marker: true), lost: 1)
        #expect(run.depacketizer.isWaitingForKeyframe)
        run.push(Self.packet(Self.slice, timestamp: 6000, marker: true))
        run.push(Self.packet(Self.idr, timestamp: 9000, marker: true))
        // check
        #expect(run.frames.map(\.timestamp) == [0, 9000])
        #expect(run.depacketizer.droppedFrames == 3)
        #expect(run.configurations.count == 1)
    }

    @Test func aFragmentWithoutItsStartIsDropped() {
        var run = Run()
        run.push(Self.packet(Self.stapA([Self.sps, Self.pps, Self.idr]), timestamp: 0, marker: true))
        let pieces = Self.fuA([0x41] + [UInt8](repeating: 7, count: 10), size: 5)
        run.push(Self.packet(pieces[1], timestamp: 3000, marker: true))
        #expect(run.frames.count == 1)
        #expect(run.depacketizer.isWaitingForKeyframe)
    }

    @Test func aLostMarkerEndsTheFrameAtTheNextTimestamp() {
        var run = Run()
        run.push(Self.packet(Self.stapA([Self.sps, Self.pps, Self.idr]), timestamp: 0))
        run.push(Self.packet(Self.slice, timestamp: 3000, marker: true))
        #expect(run.frames.map(\.timestamp) == [0, 3000])
    }

    @Test func malformedAggregatesAndReservedTypesAreDropped() {
        var run = Run()
        run.push(Self.packet([0x78, 0x00, 0x40, 0x67], timestamp: 0, marker: true)) // size past the end
        run.push(Self.packet([0x7A, 0x00], timestamp: 3000, marker: true)) // STAP-B
        run.push(Self.packet([0xE5, 0x00], timestamp: 6000, marker: true)) // forbidden bit
        run.push(Self.packet([], timestamp: 9000, marker: true))
        #expect(run.outputs.isEmpty)
        #expect(run.depacketizer.droppedFrames == 4)
    }

    @Test func newParameterSetsAnnounceANewConfiguration() throws {
        var run = Run()
        run.push(Self.packet(Self.stapA([Self.sps, Self.pps, Self.idr]), timestamp: 0, marker: true))
        run.push(Self.packet(Self.stapA([Self.sps, Self.pps, Self.idr]), timestamp: 3000, marker: true))
        run.push(Self.packet(Self.stapA([Self.otherSPS, Self.pps, Self.idr]), timestamp: 6000, marker: true))
        #expect(run.configurations.map(\.width) == [1280, 320])
        #expect(run.frames.count == 3)
    }
}
