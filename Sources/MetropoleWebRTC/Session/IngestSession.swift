import MetropoleMedia
import NIOCore

/// One WHIP session as the UDP handler keeps it: the transport state machine, the stream it
/// was granted, and once media flows, its hub.
final class IngestSession {
    let id: String
    let streamID: String
    /// The HTTP client's address, for `PublishMetadata` (the UDP source may differ behind NAT).
    let remoteAddress: String?
    var machine: WHIPSessionStateMachine
    /// Depacketizes what SRTP decrypted into the hub's tracks and frames, and says which RTCP
    /// (receiver reports, NACK, PLI) to send back.
    var receiver: MediaReceiver
    /// Set when the first media arrived and `published` was enqueued.
    var hub: LiveHub?
    /// Completes after this session's `unpublished` reached the sink (at once if never published).
    let ended: EventLoopPromise<Void>
    /// Decrypted RTP packets, for the log line at the end.
    var rtpPackets = 0

    init(id: String, streamID: String, remoteAddress: String?, machine: WHIPSessionStateMachine, ended: EventLoopPromise<Void>) {
        self.id = id
        self.streamID = streamID
        self.remoteAddress = remoteAddress
        self.machine = machine
        self.ended = ended
        let offer = machine.offer
        // No RTX: our answer does not offer it, so retransmissions come on the media SSRC.
        let media = NegotiatedMedia(
            video: offer.video.map { NegotiatedMedia.Video(payloadType: $0.payloadType, ssrc: $0.ssrc) },
            audio: offer.audio.map { NegotiatedMedia.Audio(payloadType: $0.payloadType, channels: $0.channels, ssrc: $0.ssrc) }
        )
        self.receiver = MediaReceiver(media: media, localSSRC: UInt32.random(in: 1...UInt32.max))
    }

    /// 22 characters of [A-Za-z0-9_-]: 132 bits from the system CSPRNG.
    static func makeID() -> String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)
        var generator = SystemRandomNumberGenerator()
        return String(decoding: (0..<22).map { _ in alphabet[Int(generator.next(upperBound: UInt64(64)))] }, as: UTF8.self)
    }
}
