import MetropoleTestSupport
import Foundation
import MetropoleMedia
import NIOCore
import Testing

/// Opus in our fMP4, read by ffprobe and decoded by ffmpeg: libopus packets (from an Ogg file
/// ffmpeg writes) with H.264 video, and alone, through `LiveHub` as a WebSocket viewer gets it.
@Suite(.serialized) struct OpusRealPeerTests {
    static let seconds = 3

    static func opusClip(in directory: URL, channels: Int) async throws -> OggOpusFile.Contents {
        let path = directory.appendingPathComponent("clip.ogg").path
        let result = try await Tools.run("ffmpeg", [
            "-v", "error", "-y", "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000",
            "-t", "\(seconds)", "-ac", "\(channels)", "-c:a", "libopus", "-b:a", "64k", "-frame_duration", "20", "-f", "ogg", path,
        ])
        try #require(result.status == 0, "ffmpeg could not make the Opus clip: \(result.errors)")
        return try OggOpusFile.read(Array(try Data(contentsOf: URL(fileURLWithPath: path))))
    }

    static func videoClip(in directory: URL) async throws -> [FLVFile.Item] {
        let path = directory.appendingPathComponent("video.flv").path
        let result = try await Tools.run("ffmpeg", [
            "-v", "error", "-y", "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=30", "-t", "\(seconds)",
            "-c:v", "libx264", "-preset", "veryfast", "-bf", "0", "-g", "30", "-pix_fmt", "yuv420p", "-an", "-f", "flv", path,
        ])
        try #require(result.status == 0, "ffmpeg could not make the video clip: \(result.errors)")
        return try FLVFile.read(Array(try Data(contentsOf: URL(fileURLWithPath: path))))
    }

    /// Publishes everything in timestamp order, as a WHIP ingest would, and returns the bytes a
    /// WebSocket viewer receives.
    static func publish(video: [FLVFile.Item], opus: OggOpusFile.Contents, hub: LiveHub) async throws -> ByteBuffer {
        let subscription = hub.subscribe()
        hub.setTrack(.opus(try OpusConfig(channelCount: opus.channelCount, preSkip: opus.preSkip)))
        var frames: [MediaFrame] = []
        for item in video {
            switch item {
            case .config(let config): hub.setTrack(config)
            case .frame(let frame): frames.append(frame)
            }
        }
        var samples = 0
        for packet in opus.packets {
            frames.append(MediaFrame(kind: .audio, dts: Int64(samples / 48), isKeyframe: true, payload: packet))
            samples += try #require(OpusPacket.sampleCount(packet))
        }
        for frame in frames.sorted(by: { $0.dts < $1.dts }) {
            hub.ingest(frame)
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
        return file
    }

    static func probe(_ file: ByteBuffer, in directory: URL) async throws -> Set<String> {
        let path = directory.appendingPathComponent("live.mp4").path
        try Data(file.readableBytesView).write(to: URL(fileURLWithPath: path))
        let probe = try await Tools.run("ffprobe", [
            "-v", "error", "-show_entries", "stream=codec_name,sample_rate,channels,nb_read_packets:format=duration",
            "-count_packets", "-of", "default=noprint_wrappers=1", path,
        ])
        #expect(probe.status == 0, "\(probe.errors)")
        #expect(probe.errors.isEmpty, "\(probe.errors)")
        let decode = try await Tools.decode(path)
        #expect(decode.status == 0)
        #expect(decode.errors.isEmpty, "\(decode.errors)")
        return Set(probe.output.split(separator: "\n").map(String.init))
    }

    static func duration(_ lines: Set<String>) throws -> Double {
        try #require(lines.first { $0.hasPrefix("duration=") }.flatMap { Double($0.dropFirst(9)) })
    }

    @Test func ffprobeReadsH264WithOpus() async throws {
        // setup
        let directory = try Tools.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let opus = try await Self.opusClip(in: directory, channels: 2)
        let video = try await Self.videoClip(in: directory)
        let hub = LiveHub(name: "whip")
        // act
        let file = try await Self.publish(video: video, opus: opus, hub: hub)
        // check
        #expect(hub.mimeType?.hasPrefix("video/mp4; codecs=\"avc1.") == true)
        #expect(hub.mimeType?.hasSuffix(",opus\"") == true)
        let lines = try await Self.probe(file, in: directory)
        #expect(lines.isSuperset(of: ["codec_name=h264", "codec_name=opus", "sample_rate=48000", "channels=2"]), "\(lines)")
        #expect(lines.contains("nb_read_packets=\(opus.packets.count)"), "\(lines)")
        #expect(opus.packets.count >= Self.seconds * 50)
        #expect(abs(try Self.duration(lines) - Double(Self.seconds)) < 0.15, "\(lines)")
    }

    @Test func ffprobeReadsAudioOnlyMonoOpus() async throws {
        // setup
        let directory = try Tools.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let opus = try await Self.opusClip(in: directory, channels: 1)
        let hub = LiveHub(name: "radio")
        // act
        let file = try await Self.publish(video: [], opus: opus, hub: hub)
        // check
        let lines = try await Self.probe(file, in: directory)
        #expect(lines.isSuperset(of: ["codec_name=opus", "sample_rate=48000", "channels=1"]), "\(lines)")
        #expect(!lines.contains("codec_name=h264"))
        #expect(lines.contains("nb_read_packets=\(opus.packets.count)"), "\(lines)")
        #expect(abs(try Self.duration(lines) - Double(Self.seconds)) < 0.15, "\(lines)")
    }
}
