import MetropoleMedia
import NIOCore

/// What the SDP answer settled for the publisher's media: the payload types we accepted and,
/// when the offer named them (`a=ssrc`), the SSRCs. A `nil` SSRC is learnt from the first
/// packet of that payload type.
public struct NegotiatedMedia: Sendable, Equatable {
    public struct Video: Sendable, Equatable {
        /// H.264 with packetization-mode=1.
        public var payloadType: UInt8
        public var ssrc: UInt32?
        /// The `rtx` payload type paired with `payloadType` (`apt=`), if the answer kept it:
        /// retransmissions then arrive on their own SSRC (RFC 4588), learnt from the first one.
        public var rtxPayloadType: UInt8?

        public init(payloadType: UInt8, ssrc: UInt32? = nil, rtxPayloadType: UInt8? = nil) {
            self.payloadType = payloadType
            self.ssrc = ssrc
            self.rtxPayloadType = rtxPayloadType
        }
    }

    public struct Audio: Sendable, Equatable {
        /// Opus (RFC 7587), 48 kHz.
        public var payloadType: UInt8
        /// 2 for `opus/48000/2` (always so in SDP); 1 when the answer's `stereo=0` asks for mono.
        public var channels: Int
        public var ssrc: UInt32?

        public init(payloadType: UInt8, channels: Int = 2, ssrc: UInt32? = nil) {
            self.payloadType = payloadType
            self.channels = channels
            self.ssrc = ssrc
        }
    }

    public var video: Video?
    public var audio: Audio?

    public init(video: Video?, audio: Audio?) {
        self.video = video
        self.audio = audio
    }
}

/// What the caller does for `MediaReceiver`.
public enum MediaReceiverAction: Sendable {
    /// `LiveHub.setTrack`: always before the first frame of that track, again when it changes.
    case track(TrackConfig)
    /// `LiveHub.ingest`.
    case frame(MediaFrame)
    /// A compound RTCP packet (RR, SDES and feedback) to protect with the outbound SRTP
    /// context and send to the publisher.
    case sendRTCP(ByteBuffer)
}

/// The receiver's timing knobs; docs/decisions/0021-reorder-buffer-and-nack.md explains them.
public struct MediaReceiverConfiguration: Sendable, Equatable {
    /// How long a video gap may hold later packets back (it covers NACK round trips).
    public var videoReorderDelay: TimeAmount
    /// Video packets held at most: a 6 Mbps keyframe is about 90 packets of 1200 bytes.
    public var videoReorderCapacity: Int
    public var audioReorderDelay: TimeAmount
    public var audioReorderCapacity: Int
    /// Times each lost video packet is asked for, and the wait between two requests.
    public var nackRequests: Int
    public var nackRetryInterval: TimeAmount
    /// Least time between two PLIs.
    public var pictureLossInterval: TimeAmount
    /// Time between receiver reports (RFC 3550 suggests at least 5 s for large sessions; one
    /// sender and one receiver can afford 1 s, which is what libwebrtc does).
    public var reportInterval: TimeAmount

    public init(
        videoReorderDelay: TimeAmount = .milliseconds(100),
        videoReorderCapacity: Int = 256,
        audioReorderDelay: TimeAmount = .milliseconds(60),
        audioReorderCapacity: Int = 64,
        nackRequests: Int = 3,
        nackRetryInterval: TimeAmount = .milliseconds(30),
        pictureLossInterval: TimeAmount = .milliseconds(500),
        reportInterval: TimeAmount = .seconds(1)
    ) {
        self.videoReorderDelay = videoReorderDelay
        self.videoReorderCapacity = videoReorderCapacity
        self.audioReorderDelay = audioReorderDelay
        self.audioReorderCapacity = audioReorderCapacity
        self.nackRequests = nackRequests
        self.nackRetryInterval = nackRetryInterval
        self.pictureLossInterval = pictureLossInterval
        self.reportInterval = reportInterval
    }
}
