import MetropoleTestSupport
import Foundation
import MetropoleMedia
import NIOCore
import Testing

@testable import MetropoleWebRTC

/// The ffmpeg capture (H.264 + Opus over ffmpeg's own SRTP) through our SRTP, the receiver
/// and `LiveHub`, read back by ffprobe and decoded by ffmpeg; then the same with loss,
/// reordering and retransmissions.
@Suite(.serialized) struct CaptureReceiverTests {
    /// 4 s at 30 fps with a keyframe each second; Opus in 20 ms packets.
    static let videoFrames = 120
    static let keyframes = 4

    @Test func ourSRTPReadsFFmpegsSRTP() throws {
        // setup / act (Capture.plain unprotects every datagram, throwing on the first failure)
        let capture = try Capture.plain()
        // check
        let video = capture.datagrams.filter { $0.channel == .videoRTP }.compactMap { try? RTPPacket(parsing: $0.bytes) }
        let audio = capture.datagrams.filter { $0.channel == .audioRTP }.compactMap { try? RTPPacket(parsing: $0.bytes) }
        #expect(video.count == 261 && audio.count == 201)
        #expect(video.allSatisfy { $0.header.ssrc == Capture.videoSSRC && $0.header.payloadType == 102 })
        #expect(audio.allSatisfy { $0.header.ssrc == Capture.audioSSRC && $0.header.payloadType == 111 })
        let reports = try capture.datagrams.filter(\.channel.isRTCP).flatMap { try RTCPPacket.parseCompound($0.bytes) }
        #expect(reports.count == 2)
        #expect(reports.allSatisfy { if case .senderReport = $0 { true } else { false } })
    }

    @Test func depacketizedCaptureIsDecodableH264AndOpus() async throws {
        // setup
        let capture = try Capture.plain()
        var run = ReceiverRun()
        // act
        run.feed(capture.datagrams)
        // check: configurations before frames, every frame, increasing times
        let firstVideoTrack = try #require(run.actions.firstIndex { if case .track(.avc) = $0 { true } else { false } })
        let firstVideoFrame = try #require(run.actions.firstIndex { if case .frame(let f) = $0 { f.kind == .video } else { false } })
        let firstAudioTrack = try #require(run.actions.firstIndex { if case .track(.opus) = $0 { true } else { false } })
        let firstAudioFrame = try #require(run.actions.firstIndex { if case .frame(let f) = $0 { f.kind == .audio } else { false } })
        #expect(firstVideoTrack < firstVideoFrame && firstAudioTrack < firstAudioFrame)
        let video = run.frames.filter { $0.kind == .video }
        let audio = run.frames.filter { $0.kind == .audio }
        #expect(video.count == Self.videoFrames)
        #expect(video.filter(\.isKeyframe).count == Self.keyframes)
        #expect(video.first?.isKeyframe == true)
        #expect(audio.count == 201)
        for frames in [video, audio] {
            #expect(zip(frames, frames.dropFirst()).allSatisfy { $0.dts < $1.dts })
        }
        // Video left x264 about 460 ms after audio, but both streams' sender reports place its
        // first frame with audio's first packet (ffmpeg timestamps both from 0): in sync.
        #expect(audio.first!.dts < 5)
        #expect(video.first!.dts < 10, "first video frame at \(video.first!.dts) ms")
        let stats = run.receiver.stats
        #expect(stats.video.packetsReceived == 261 && stats.video.packetsLost == 0 && stats.video.framesDropped == 0)
        #expect(stats.audio.packetsReceived == 201 && stats.senderReportsReceived == 2)
        #expect(stats.video.keyframesDelivered == Self.keyframes)
        #expect(stats.video.pictureLossIndicationsSent == 0, "the first packet starts a keyframe: no PLI needed")

        let lines = try await Self.probe(run.actions)
        #expect(lines.isSuperset(of: ["codec_name=h264", "codec_name=opus", "width=640", "height=360", "sample_rate=48000", "channels=2"]), "\(lines)")
        #expect(lines.contains("nb_read_frames=\(Self.videoFrames)"), "\(lines)")
    }

    @Test func withoutSenderReportsTracksStartAtTheirArrival() throws {
        // setup: the capture without its RTCP
        let capture = try Capture.plain()
        var run = ReceiverRun()
        // act
        run.feed(capture.datagrams.filter { !$0.channel.isRTCP })
        // check: the documented fallback, each track anchored at its first packet's arrival
        let video = run.frames.filter { $0.kind == .video }
        let audio = run.frames.filter { $0.kind == .audio }
        #expect(audio.first!.dts < 5)
        #expect((455...470).contains(video.first!.dts), "first video frame at \(video.first!.dts) ms")
        #expect(video.count == Self.videoFrames && audio.count == 201)
    }

    @Test func lossIsNACKedAndFramesWithGapsAreDroppedUntilTheNextKeyframe() async throws {
        // setup: video packets 40 and 41 (in the first second) and 160 lost for good
        let capture = try Capture.plain()
        var videoIndex = 0
        let lost: Set<Int> = [40, 41, 160]
        var lostSequences: [UInt16] = []
        let datagrams = capture.datagrams.filter { datagram in
            guard datagram.channel == .videoRTP else { return true }
            defer { videoIndex += 1 }
            if lost.contains(videoIndex) { lostSequences.append(datagram.bytes.getInteger(at: datagram.bytes.readerIndex + 2)!) }
            return !lost.contains(videoIndex)
        }
        var run = ReceiverRun()
        // act
        run.feed(datagrams)
        // check: NACKed (three times each), then PLI, then only whole frames from a keyframe on
        let nacked = run.rtcp.flatMap { $0.compactMap { if case .nack(_, let lost) = $0 { lost } else { nil } } }.flatMap { $0 }
        #expect(Set(nacked) == Set(lostSequences))
        #expect(nacked.count == 3 * lostSequences.count)
        let stats = run.receiver.stats
        #expect(stats.video.packetsLost == 3)
        #expect(stats.video.pictureLossIndicationsSent >= 2)
        #expect(stats.video.framesDropped > 0)
        let video = run.frames.filter { $0.kind == .video }
        #expect(video.count < Self.videoFrames && video.count >= Self.videoFrames / 2)
        // Every frame after a drop starts from a keyframe: the decoder never meets a missing reference.
        let lines = try await Self.probe(run.actions)
        #expect(lines.contains("nb_read_frames=\(video.count)"), "\(lines)")
    }

    @Test func reorderedAndRetransmittedPacketsLoseNothing() async throws {
        // setup: swap neighbouring video packets every 10, and deliver every 25th 40 ms late
        // (as a retransmission answering our NACK would)
        let capture = try Capture.plain()
        var datagrams = capture.datagrams
        let videoIndices = datagrams.indices.filter { datagrams[$0].channel == .videoRTP }
        for (order, index) in videoIndices.enumerated() where order % 10 == 5 {
            let next = videoIndices[order + 1]
            let (early, late) = (datagrams[index], datagrams[next])
            datagrams[index] = late
            datagrams[next] = early
            datagrams[index].arrivalMicros = early.arrivalMicros
            datagrams[next].arrivalMicros = late.arrivalMicros
        }
        for (order, index) in videoIndices.enumerated() where order % 25 == 7 {
            datagrams[index].arrivalMicros += 40_000
        }
        datagrams.sort { $0.arrivalMicros < $1.arrivalMicros }
        var run = ReceiverRun()
        // act
        run.feed(datagrams)
        // check
        let stats = run.receiver.stats
        #expect(stats.video.packetsLost == 0 && stats.video.framesDropped == 0)
        #expect(stats.video.packetsNACKed > 0)
        #expect(run.frames.filter { $0.kind == .video }.count == Self.videoFrames)
        let lines = try await Self.probe(run.actions)
        #expect(lines.contains("nb_read_frames=\(Self.videoFrames)"), "\(lines)")
    }

    /// Publishes the actions to a `LiveHub`, writes what a WebSocket viewer gets, and returns
    /// ffprobe's stream facts after checking that ffmpeg decodes it without a complaint.
    static func probe(_ actions: [MediaReceiverAction]) async throws -> Set<String> {
        let directory = try Tools.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let hub = LiveHub(name: "whip")
        let subscription = hub.subscribe()
        for action in actions {
            switch action {
            case .track(let config): hub.setTrack(config)
            case .frame(let frame): hub.ingest(frame)
            case .sendRTCP: break
            }
        }
        hub.finish()
        var file = ByteBuffer()
        for await delivery in subscription {
            switch delivery {
            case .initSegment(var initSegment): file.writeBuffer(&initSegment)
            case .fragments(let fragments): for fragment in fragments { fragment.write(into: &file) }
            case .end, .dropped, .restart: break
            }
        }
        let path = directory.appendingPathComponent("whip.mp4").path
        try Data(file.readableBytesView).write(to: URL(fileURLWithPath: path))
        let probe = try await Tools.run("ffprobe", [
            "-v", "error", "-count_frames", "-show_entries",
            "stream=codec_name,width,height,sample_rate,channels,nb_read_frames", "-of", "default=noprint_wrappers=1", path,
        ])
        #expect(probe.status == 0 && probe.errors.isEmpty, "\(probe.errors)")
        let decode = try await Tools.decode(path)
        #expect(decode.status == 0 && decode.errors.isEmpty, "\(decode.errors)")
        return Set(probe.output.split(separator: "\n").map(String.init))
    }
}
