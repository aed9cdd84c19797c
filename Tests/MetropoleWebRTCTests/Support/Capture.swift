import Foundation
import MetropoleMedia
import NIOCore
import Testing

@testable import MetropoleWebRTC

/// The ffmpeg capture in `Fixtures/rtp` (see `capture_ffmpeg.py`): SRTP and SRTCP datagrams
/// of one H.264 + Opus publish, with their arrival times.
struct Capture {
    enum Channel: UInt8 {
        case videoRTP = 0, videoRTCP, audioRTP, audioRTCP

        var isRTCP: Bool { self == .videoRTCP || self == .audioRTCP }
    }

    struct Datagram {
        var channel: Channel
        var arrivalMicros: Int64
        var bytes: ByteBuffer
    }

    static let masterKey = (1...16).map { UInt8($0) }
    static let masterSalt = (17...30).map { UInt8($0) }
    static let videoSSRC: UInt32 = 0x1122_3344
    static let audioSSRC: UInt32 = 0x5566_7788

    var datagrams: [Datagram]

    /// The protected datagrams as captured.
    static func protected() throws -> Capture {
        var buffer = ByteBuffer(bytes: Array(try FixtureFiles.data("rtp/ffmpeg-h264-opus.srtp")))
        let magic = buffer.readString(length: 7)
        try #require(magic == "MSRTP1\n")
        var datagrams: [Datagram] = []
        while buffer.readableBytes > 0 {
            let header = buffer.readMultipleIntegers(as: (UInt8, UInt32, UInt16).self)
            let (channel, micros, length) = try #require(header)
            let slice = buffer.readSlice(length: Int(length))
            let bytes = try #require(slice)
            datagrams.append(Datagram(channel: try #require(Channel(rawValue: channel)), arrivalMicros: Int64(micros), bytes: bytes))
        }
        return Capture(datagrams: datagrams)
    }

    /// The same datagrams with SRTP removed by our context: plain RTP and RTCP.
    static func plain() throws -> Capture {
        var capture = try protected()
        var context = try SRTPContext(profile: .aes128CMHMACSHA1_80, masterKey: masterKey, masterSalt: masterSalt)
        for index in capture.datagrams.indices {
            let bytes = capture.datagrams[index].bytes
            capture.datagrams[index].bytes = capture.datagrams[index].channel.isRTCP
                ? try context.unprotectRTCP(bytes) : try context.unprotectRTP(bytes)
        }
        return capture
    }

    static let negotiated = NegotiatedMedia(
        video: .init(payloadType: 102, ssrc: nil),
        audio: .init(payloadType: 111, channels: 2, ssrc: nil)
    )
}

/// Feeds datagrams to a `MediaReceiver` on a simulated clock, ticking every 50 ms as the
/// transport would, and collects what it asks for.
struct ReceiverRun {
    var receiver: MediaReceiver
    var actions: [MediaReceiverAction] = []
    let base = NIODeadline.uptimeNanoseconds(1_000_000_000_000)
    private var nextTick: Int64 = 0

    init(media: NegotiatedMedia = Capture.negotiated, configuration: MediaReceiverConfiguration = .init()) {
        receiver = MediaReceiver(media: media, localSSRC: 0xFEED_BEEF, configuration: configuration)
    }

    func time(_ micros: Int64) -> NIODeadline { base + .microseconds(micros) }

    mutating func advance(to micros: Int64) {
        while nextTick <= micros {
            actions += receiver.tick(at: time(nextTick))
            nextTick += 50_000
        }
    }

    mutating func feed(_ datagram: Capture.Datagram) {
        advance(to: datagram.arrivalMicros)
        let at = time(datagram.arrivalMicros)
        actions += datagram.channel.isRTCP ? receiver.receiveRTCP(datagram.bytes, at: at) : receiver.receiveRTP(datagram.bytes, at: at)
    }

    mutating func feed(_ datagrams: [Capture.Datagram]) {
        for datagram in datagrams { feed(datagram) }
        if let last = datagrams.last { advance(to: last.arrivalMicros + 500_000) }
    }

    var frames: [MediaFrame] {
        actions.compactMap { if case .frame(let frame) = $0 { frame } else { nil } }
    }

    var rtcp: [[RTCPPacket]] {
        actions.compactMap { if case .sendRTCP(let bytes) = $0 { try? RTCPPacket.parseCompound(bytes) } else { nil } }
    }
}
