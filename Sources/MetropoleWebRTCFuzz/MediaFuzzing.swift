// The media half's fuzz targets: RTP and RTCP parsing, SRTP/SRTCP with fixed keys, and the
// depacketizers and timeline behind `MediaReceiver`. Properties that must hold for any input
// are checked with `precondition`, so libFuzzer reports a violation as a crash.
import MetropoleMedia
import MetropoleWebRTC
import NIOCore

/// Selectors 4–10 of the first input byte (0–3 are the transport's, TransportFuzzing.swift).
enum MediaFuzzing {
    static let selectors: ClosedRange<UInt8> = 4...10

    static func run(selector: UInt8, _ input: ByteBuffer) {
        switch selector {
        case 4: fuzzRTPPacket(input) // an RTP packet; what parses must write back and parse the same
        case 5: fuzzRTCP(input) // a compound RTCP packet; what parses is written back
        case 6: fuzzSRTP(input, profile: .aes128CMHMACSHA1_80) // unprotect, and protect-then-unprotect
        case 7: fuzzSRTP(input, profile: .aeadAES128GCM)
        case 8: fuzzScript(input, kind: .video) // H.264 payloads the harness wraps in RTP headers
        case 9: fuzzScript(input, kind: .audio) // Opus payloads, the same way
        case 10: fuzzDatagrams(input) // raw RTP, RTCP and ticks to a receiver of H.264 and Opus
        default: break
        }
    }
}

private func fuzzRTPPacket(_ buffer: ByteBuffer) {
    guard let packet = try? RTPPacket(parsing: buffer) else { return }
    var written = ByteBuffer()
    packet.write(into: &written)
    let reparsed = try? RTPPacket(parsing: written)
    precondition(reparsed?.header == packet.header, "RTP header does not survive a write")
    precondition(reparsed?.payload == packet.payload, "RTP payload does not survive a write")
}

private func fuzzRTCP(_ buffer: ByteBuffer) {
    guard let packets = try? RTCPPacket.parseCompound(buffer) else { return }
    let written = RTCPPacket.compound(packets)
    precondition((try? RTCPPacket.parseCompound(written)) != nil, "written RTCP does not parse")
}

private let fuzzKey: [UInt8] = Array(0..<16)

private func fuzzSRTP(_ buffer: ByteBuffer, profile: SRTPProtectionProfile) {
    let salt = Array(UInt8(16)..<UInt8(16 + profile.masterSaltLength))
    guard var receiver = try? SRTPContext(profile: profile, masterKey: fuzzKey, masterSalt: salt),
          var sender = try? SRTPContext(profile: profile, masterKey: fuzzKey, masterSalt: salt)
    else { preconditionFailure("fixed keys are valid") }
    _ = try? receiver.unprotectRTP(buffer)
    _ = try? receiver.unprotectRTCP(buffer)
    if let protected = try? sender.protectRTP(buffer) {
        precondition((try? receiver.unprotectRTP(protected)) == buffer, "SRTP round trip changed the packet")
    }
    if let protected = try? sender.protectRTCP(buffer) {
        precondition((try? receiver.unprotectRTCP(protected)) == buffer, "SRTCP round trip changed the packet")
    }
}

/// Records of `flags, length (u16), payload`: the harness writes the RTP header, so the fuzzer spends
/// its time in the depacketizer. Flags: bit 0 marker, bit 1 next timestamp, bits 2–3 skip that
/// many sequence numbers, bit 4 tick the clock 60 ms, bits 5–6 go back that many sequence
/// numbers (reordering).
private func fuzzScript(_ buffer: ByteBuffer, kind: TrackKind) {
    var script = buffer
    let media = NegotiatedMedia(video: .init(payloadType: 102, rtxPayloadType: 103), audio: .init(payloadType: 111))
    var receiver = MediaReceiver(media: media, localSSRC: 1)
    var sequence: UInt16 = 65500
    var timestamp: UInt32 = 0xFFFF_0000
    var now = NIODeadline.uptimeNanoseconds(1_000_000_000)
    var checker = FrameChecker()
    while let (flags, length) = script.readMultipleIntegers(as: (UInt8, UInt16).self), let payload = script.readSlice(length: Int(length)) {
        sequence &+= 1 &+ UInt16((flags >> 2) & 0x03)
        sequence &-= UInt16((flags >> 5) & 0x03)
        if flags & 0x02 != 0 { timestamp &+= kind == .video ? 3000 : 960 }
        let header = RTPHeader(marker: flags & 0x01 != 0, payloadType: kind == .video ? 102 : 111,
                               sequenceNumber: sequence, timestamp: timestamp, ssrc: kind == .video ? 0xAAAA : 0xBBBB)
        var packet = ByteBuffer()
        RTPPacket(header: header, payload: payload).write(into: &packet)
        now = now + .milliseconds(flags & 0x10 != 0 ? 60 : 1)
        checker.check(receiver.receiveRTP(packet, at: now))
        if flags & 0x10 != 0 { checker.check(receiver.tick(at: now)) }
    }
    checker.check(receiver.tick(at: now + .seconds(1)))
}

/// Records of `kind, length (u16), bytes`; kind 0 RTP, 1 RTCP, 2 tick by `length` ms.
private func fuzzDatagrams(_ buffer: ByteBuffer) {
    var script = buffer
    let media = NegotiatedMedia(video: .init(payloadType: 102, rtxPayloadType: 103), audio: .init(payloadType: 111))
    var receiver = MediaReceiver(media: media, localSSRC: 1)
    var now = NIODeadline.uptimeNanoseconds(1_000_000_000)
    var checker = FrameChecker()
    while let (kind, length) = script.readMultipleIntegers(as: (UInt8, UInt16).self) {
        switch kind % 3 {
        case 0, 1:
            guard let datagram = script.readSlice(length: Int(length)) else { return }
            checker.check(kind % 3 == 0 ? receiver.receiveRTP(datagram, at: now) : receiver.receiveRTCP(datagram, at: now))
        default:
            now = now + .milliseconds(Int64(length % 2000))
            checker.check(receiver.tick(at: now))
        }
    }
}

/// What the receiver promises `LiveHub` whatever it is fed: a track's configuration before
/// its first frame, decode times that only increase and never go negative, and RTCP that
/// parses.
private struct FrameChecker {
    var configured: Set<TrackKind> = []
    var lastDTS: [TrackKind: Int64] = [:]

    mutating func check(_ actions: [MediaReceiverAction]) {
        for action in actions {
            switch action {
            case .track(let config):
                configured.insert(config.kind)
            case .frame(let frame):
                precondition(configured.contains(frame.kind), "frame before its track's configuration")
                precondition(frame.dts >= 0, "negative decode time")
                precondition(lastDTS[frame.kind].map { frame.dts > $0 } ?? true, "decode time did not increase")
                lastDTS[frame.kind] = frame.dts
            case .sendRTCP(let bytes):
                precondition((try? RTCPPacket.parseCompound(bytes)) != nil, "our RTCP does not parse")
            }
        }
    }
}
