import MetropoleMedia
import NIOCore

/// Turns a WHIP publisher's RTP and RTCP (already unprotected) into `LiveHub` input, and tells
/// the caller which RTCP to send back: receiver reports, NACKs for lost video packets and PLIs
/// while video waits for a keyframe.
///
/// A state machine: it owns no socket, timer or clock. The caller passes each packet with its
/// arrival time, calls `tick` every 50–100 ms, and carries out the returned actions in order.
/// Video goes through a reorder buffer, the H.264 depacketizer and the shared timeline; audio
/// through its own reorder buffer and the Opus depacketizer. `MediaFrame.dts` of both tracks are
/// milliseconds on one timeline (`MediaTimeline`), increasing per track.
public struct MediaReceiver: Sendable {
    public let media: NegotiatedMedia
    public let localSSRC: UInt32
    public let configuration: MediaReceiverConfiguration
    /// The CNAME in our SDES items (RFC 3550 §6.5.1 wants one per compound packet).
    public let canonicalName: String

    var video: InboundStream?
    var audio: InboundStream?
    var h264 = H264Depacketizer()
    var opus = OpusDepacketizer()
    var audioAnnounced = false
    var videoRTXSSRC: UInt32?
    var timeline = MediaTimeline()
    var lastPictureLossIndication: NIODeadline?
    var firstVideoArrival: NIODeadline?
    var lastReport: NIODeadline?
    /// Sender reports for SSRCs not yet seen in RTP (a report can come before the first packet).
    var earlyReports: [UInt32: (report: RTCPSenderReport, arrival: NIODeadline)] = [:]
    var counters = MediaReceiverStats()
    /// Reused for every packet so that ordering allocates nothing in the common case.
    var released: [ReorderBuffer.Released] = []

    public init(media: NegotiatedMedia, localSSRC: UInt32, configuration: MediaReceiverConfiguration = .init()) {
        self.media = media
        self.localSSRC = localSSRC
        self.configuration = configuration
        self.canonicalName = "metropole-" + String(localSSRC, radix: 16)
        if let video = media.video {
            self.video = InboundStream(
                kind: .video, payloadType: video.payloadType, ssrc: video.ssrc, clockRate: 90_000,
                reorder: ReorderBuffer(capacity: configuration.videoReorderCapacity, maxDelay: configuration.videoReorderDelay),
                nack: NACKTracker(maxRequests: configuration.nackRequests, retryInterval: configuration.nackRetryInterval)
            )
        }
        if let audio = media.audio {
            self.audio = InboundStream(
                kind: .audio, payloadType: audio.payloadType, ssrc: audio.ssrc, clockRate: OpusConfig.clockRate,
                reorder: ReorderBuffer(capacity: configuration.audioReorderCapacity, maxDelay: configuration.audioReorderDelay),
                nack: nil
            )
        }
        released.reserveCapacity(16)
    }

    /// Counters for the health panel.
    public var stats: MediaReceiverStats {
        var stats = counters
        if let video {
            stats.video = video.currentStats
            stats.video.framesDropped += h264.droppedFrames
        }
        if let audio {
            stats.audio = audio.currentStats
            stats.audio.framesDropped += opus.droppedFrames
        }
        return stats
    }

    /// One RTP packet, as SRTP unprotected it.
    public mutating func receiveRTP(_ packet: ByteBuffer, at now: NIODeadline) -> [MediaReceiverAction] {
        guard let parsed = try? RTPPacket(parsing: packet) else {
            counters.packetsIgnored += 1
            return []
        }
        var actions: [MediaReceiverAction] = []
        announceAudio(&actions)
        if video?.accepts(parsed.header) == true {
            receiveVideo(parsed, at: now, actions: &actions)
        } else if let rtx = media.video?.rtxPayloadType, parsed.header.payloadType == rtx {
            receiveRetransmission(parsed, at: now, actions: &actions)
        } else if audio?.accepts(parsed.header) == true {
            receiveAudio(parsed, at: now, actions: &actions)
        } else {
            counters.packetsIgnored += 1
        }
        return actions
    }

    /// Called every 50–100 ms: gives up on gaps that waited long enough, repeats NACKs and
    /// PLIs, and sends the periodic receiver report.
    public mutating func tick(at now: NIODeadline) -> [MediaReceiverAction] {
        var actions: [MediaReceiverAction] = []
        if video != nil {
            released.removeAll(keepingCapacity: true)
            video!.reorder.releaseExpired(at: now, into: &released)
            deliverVideo(&actions)
            requestRetransmissions(at: now, actions: &actions)
            requestKeyframeIfNeeded(at: now, actions: &actions)
        }
        if audio != nil {
            released.removeAll(keepingCapacity: true)
            audio!.reorder.releaseExpired(at: now, into: &released)
            deliverAudio(&actions)
        }
        sendReportIfDue(at: now, actions: &actions)
        return actions
    }

    // MARK: - Video

    private mutating func receiveVideo(_ packet: RTPPacket, at now: NIODeadline, actions: inout [MediaReceiverAction]) {
        let isFirst = video!.ssrc == nil
        if firstVideoArrival == nil { firstVideoArrival = now }
        released.removeAll(keepingCapacity: true)
        video!.receive(packet, at: now, into: &released)
        if isFirst, let ssrc = video!.ssrc { applyEarlyReport(ssrc: ssrc, kind: .video) }
        timeline.startTrack(.video, clockRate: 90_000, timestamp: packet.header.timestamp, at: now)
        deliverVideo(&actions)
        if video!.reorder.heldCount > 0 {
            requestRetransmissions(at: now, actions: &actions)
        }
        requestKeyframeIfNeeded(at: now, actions: &actions)
    }

    /// RFC 4588: the payload starts with the original sequence number; the rest is the
    /// original payload, for the original stream.
    private mutating func receiveRetransmission(_ packet: RTPPacket, at now: NIODeadline, actions: inout [MediaReceiverAction]) {
        guard let mediaSSRC = video?.ssrc, videoRTXSSRC == nil || videoRTXSSRC == packet.header.ssrc else {
            counters.packetsIgnored += 1
            return
        }
        var payload = packet.payload
        // Padding-only RTX packets are bandwidth probes, not retransmissions.
        guard let original = payload.readInteger(as: UInt16.self), payload.readableBytes > 0 else { return }
        videoRTXSSRC = packet.header.ssrc
        var header = packet.header
        header.payloadType = video!.payloadType
        header.ssrc = mediaSSRC
        header.sequenceNumber = original
        video!.stats.retransmissionsReceived += 1
        receiveVideo(RTPPacket(header: header, payload: payload), at: now, actions: &actions)
    }

    mutating func deliverVideo(_ actions: inout [MediaReceiverAction]) {
        guard !released.isEmpty else { return }
        var outputs: [H264Depacketizer.Output] = []
        for item in released {
            h264.push(item.entry.packet, lostBefore: item.lostBefore, into: &outputs)
        }
        for output in outputs {
            switch output {
            case .configuration(let record):
                actions.append(.track(.avc(record)))
            case .frame(let timestamp, let isKeyframe, let payload):
                guard let (dts, offset) = decodeTime(for: .video, timestamp: timestamp) else { continue }
                actions.append(.frame(MediaFrame(kind: .video, dts: dts, compositionOffset: offset, isKeyframe: isKeyframe, payload: payload)))
                video!.stats.framesDelivered += 1
                if isKeyframe { video!.stats.keyframesDelivered += 1 }
            }
        }
    }

    private mutating func requestRetransmissions(at now: NIODeadline, actions: inout [MediaReceiverAction]) {
        guard let mediaSSRC = video?.ssrc else { return }
        let lost = video!.dueRetransmissions(at: now)
        guard !lost.isEmpty else { return }
        let header = RTCPFeedbackHeader(senderSSRC: localSSRC, mediaSSRC: mediaSSRC)
        actions.append(.sendRTCP(feedback(.nack(header, lost: lost))))
    }

    /// PLI while the depacketizer waits for an IDR, at most once per `pictureLossInterval`:
    /// as soon as it has had to drop a frame (the stream joined mid-GOP, or lost a packet), or
    /// when no keyframe came within that interval of the first packet. A stream that starts
    /// with its keyframe, as most publishers' do, is never asked for another.
    private mutating func requestKeyframeIfNeeded(at now: NIODeadline, actions: inout [MediaReceiverAction]) {
        guard h264.isWaitingForKeyframe, let mediaSSRC = video?.ssrc, let first = firstVideoArrival else { return }
        guard h264.droppedFrames > 0 || now - first >= configuration.pictureLossInterval else { return }
        if let last = lastPictureLossIndication, now - last < configuration.pictureLossInterval { return }
        lastPictureLossIndication = now
        video!.stats.pictureLossIndicationsSent += 1
        actions.append(.sendRTCP(feedback(.pictureLossIndication(RTCPFeedbackHeader(senderSSRC: localSSRC, mediaSSRC: mediaSSRC)))))
    }

    // MARK: - Audio

    private mutating func receiveAudio(_ packet: RTPPacket, at now: NIODeadline, actions: inout [MediaReceiverAction]) {
        let isFirst = audio!.ssrc == nil
        released.removeAll(keepingCapacity: true)
        audio!.receive(packet, at: now, into: &released)
        if isFirst, let ssrc = audio!.ssrc { applyEarlyReport(ssrc: ssrc, kind: .audio) }
        timeline.startTrack(.audio, clockRate: OpusConfig.clockRate, timestamp: packet.header.timestamp, at: now)
        deliverAudio(&actions)
    }

    /// The Opus configuration depends on the negotiated channel count only, so it is announced
    /// with the first packet of either track: the SDP is the publisher's announcement, as FLV
    /// sequence headers are RTMP's. Waiting for the first Opus packet let a keyframe that came
    /// a few milliseconds earlier start a video-only init segment (and a second one with audio
    /// moments later), which LL-HLS readers at the playlist's start saw without audio.
    private mutating func announceAudio(_ actions: inout [MediaReceiverAction]) {
        guard !audioAnnounced, audio != nil else { return }
        let channels = min(max(media.audio?.channels ?? 2, 1), 2)
        guard let config = try? OpusConfig(channelCount: channels) else { return }
        actions.append(.track(.opus(config)))
        audioAnnounced = true
    }

    mutating func deliverAudio(_ actions: inout [MediaReceiverAction]) {
        for item in released {
            guard let payload = opus.frame(from: item.entry.packet), audioAnnounced else { continue }
            guard let (dts, _) = decodeTime(for: .audio, timestamp: item.entry.packet.header.timestamp) else { continue }
            actions.append(.frame(MediaFrame(kind: .audio, dts: dts, isKeyframe: true, payload: payload)))
            audio!.stats.framesDelivered += 1
        }
    }

    // MARK: - Timing

    /// The frame's decode time on the shared timeline and its composition offset. Decode times
    /// only increase per track and never go below 0; a frame whose presentation time is not
    /// after its predecessor's (B-frames, which WebRTC senders do not use) keeps it as
    /// presentation time through a negative offset.
    private mutating func decodeTime(for kind: TrackKind, timestamp: UInt32) -> (Int64, Int32)? {
        let rtp = timeline.unwrap(timestamp, for: kind)
        guard let presentation = timeline.milliseconds(for: kind, rtp: rtp) else { return nil }
        let last = kind == .video ? video?.lastDTS : audio?.lastDTS
        var dts = max(presentation, 0)
        if let last, dts <= last { dts = last + 1 }
        if kind == .video { video!.lastDTS = dts } else { audio!.lastDTS = dts }
        return (dts, Int32(clamping: presentation - dts))
    }
}
