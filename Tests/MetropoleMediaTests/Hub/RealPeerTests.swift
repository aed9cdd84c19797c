import MetropoleTestSupport
import Foundation
import MetropoleMedia
import NIOCore
import Testing

/// Our fMP4 and LL-HLS output, read by ffprobe and decoded by ffmpeg. The input is a real
/// H.264 (with B-frames) + AAC clip that ffmpeg writes as FLV, the format RTMP carries.
@Suite(.serialized) struct RealPeerTests {
    static let seconds = 4

    /// 640x360 (or `size`) at 30 fps, keyframe every second, two B-frames, 48 kHz AAC.
    static func clip(in directory: URL, size: String = "640x360", seconds: Int = seconds) async throws -> [FLVFile.Item] {
        let path = directory.appendingPathComponent("clip-\(size).flv").path
        let result = try await Tools.run("ffmpeg", [
            "-v", "error", "-y",
            "-f", "lavfi", "-i", "testsrc2=size=\(size):rate=30",
            "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000",
            "-t", "\(seconds)", "-c:v", "libx264", "-preset", "veryfast", "-bf", "2",
            "-g", "30", "-keyint_min", "30", "-sc_threshold", "0", "-pix_fmt", "yuv420p",
            "-c:a", "aac", "-b:a", "96k", "-f", "flv", path,
        ])
        try #require(result.status == 0, "ffmpeg could not make the clip: \(result.errors)")
        return try FLVFile.read(Array(try Data(contentsOf: URL(fileURLWithPath: path))))
    }

    static func publish(_ items: [FLVFile.Item], to hub: LiveHub) {
        for item in items {
            switch item {
            case .config(let config): hub.setTrack(config)
            case .frame(let frame): hub.ingest(frame)
            }
        }
        hub.finish()
    }

    @Test func ffprobeAndFFmpegReadTheWebSocketStream() async throws {
        // setup
        let directory = try Tools.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let items = try await Self.clip(in: directory)
        let frames = items.compactMap { item -> MediaFrame? in
            if case .frame(let frame) = item { return frame }
            return nil
        }
        #expect(frames.contains { $0.compositionOffset != 0 }, "the clip should have B-frames")
        let hub = LiveHub(name: "peer")
        let subscription = hub.subscribe()

        // act: exactly what a WebSocket viewer would receive, written one message after another.
        Self.publish(items, to: hub)
        var file = ByteBuffer()
        var fragmentCount = 0
        for await delivery in subscription {
            switch delivery {
            case .initSegment(var initSegment): file.writeBuffer(&initSegment)
            case .fragments(let fragments):
                fragmentCount += fragments.count
                for fragment in fragments { fragment.write(into: &file) }
            case .end, .dropped, .restart: break
            }
        }
        let path = directory.appendingPathComponent("live.mp4").path
        try Data(file.readableBytesView).write(to: URL(fileURLWithPath: path))

        // check
        #expect(fragmentCount == frames.count)
        let probe = try await Tools.run("ffprobe", [
            "-v", "error", "-show_entries", "stream=codec_name,width,height,sample_rate,nb_read_packets:format=duration",
            "-count_packets", "-of", "default=noprint_wrappers=1", path,
        ])
        #expect(probe.status == 0, "\(probe.errors)")
        #expect(probe.errors.isEmpty, "\(probe.errors)")
        let lines = Set(probe.output.split(separator: "\n").map(String.init))
        #expect(lines.isSuperset(of: ["codec_name=h264", "codec_name=aac", "width=640", "height=360", "sample_rate=48000"]), "\(probe.output)")
        let videoFrames = frames.filter { $0.kind == .video }.count
        #expect(lines.contains("nb_read_packets=\(videoFrames)"), "\(probe.output)")
        let duration = try #require(lines.first { $0.hasPrefix("duration=") }.flatMap { Double($0.dropFirst(9)) })
        #expect(abs(duration - Double(Self.seconds)) < 0.15, "duration \(duration)")

        let decode = try await Tools.decode(path)
        #expect(decode.status == 0)
        #expect(decode.errors.isEmpty, "\(decode.errors)")
    }

    @Test func ffmpegReadsTheHLSPlaylistAndSegments() async throws {
        // setup
        let directory = try Tools.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let items = try await Self.clip(in: directory)
        let hub = LiveHub(name: "peer", configuration: .init(hls: .init(segmentWindow: 10, segmentsWithParts: 10)))

        // act: publish the whole clip, then save the playlist and every resource it names.
        Self.publish(items, to: hub)
        guard case .playlist(let playlist) = await hub.playlist() else {
            Issue.record("no playlist")
            return
        }
        try playlist.write(to: directory.appendingPathComponent("index.m3u8"), atomically: true, encoding: .utf8)
        let names = playlist.split(separator: "\n").compactMap { line -> String? in
            if !line.hasPrefix("#") { return String(line) }
            guard let start = line.range(of: "URI=\"") else { return nil }
            return String(line[start.upperBound...].prefix { $0 != "\"" })
        }
        try FileManager.default.createDirectory(at: directory.appendingPathComponent(hub.broadcast), withIntermediateDirectories: true)
        for uri in Set(names) {
            // Every resource is listed under the broadcast (decision 0051).
            let name = try #require(uri.split(separator: "/").last.map(String.init), "\(uri)")
            #expect(uri == "\(hub.broadcast)/\(name)")
            let data = try #require(await hub.resource(named: name), "\(name) listed but not served")
            try Data(data.readableBytesView).write(to: directory.appendingPathComponent(uri))
        }

        // check
        #expect(playlist.hasPrefix("#EXTM3U\n"))
        #expect(playlist.contains("#EXT-X-PART:"))
        #expect(playlist.hasSuffix("#EXT-X-ENDLIST\n"))
        #expect(names.filter { $0.hasPrefix("\(hub.broadcast)/seg") }.count == Self.seconds)
        let index = directory.appendingPathComponent("index.m3u8").path
        let probe = try await Tools.run("ffprobe", [
            "-v", "error", "-show_entries", "stream=codec_name:format=duration", "-of", "default=noprint_wrappers=1", index,
        ])
        #expect(probe.status == 0, "\(probe.errors)")
        let lines = Set(probe.output.split(separator: "\n").map(String.init))
        #expect(lines.isSuperset(of: ["codec_name=h264", "codec_name=aac"]), "\(probe.output)")
        let decode = try await Tools.decode(index, inputOptions: ["-allowed_extensions", "ALL"])
        #expect(decode.status == 0)
        #expect(decode.errors.isEmpty, "\(decode.errors)")
    }
}
