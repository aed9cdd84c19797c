import Foundation
import MetropoleTestSupport
import NIOCore
import Testing
@testable import MetropoleWeb

/// The live thumbnail decoder against Debian's ffmpeg, and against children that misbehave
/// (too slow, too much output), which it must stop.
@Suite(.serialized) struct ThumbnailDecoderTests {
    let directory: URL

    init() throws {
        directory = try Tools.temporaryDirectory()
    }

    /// What `LiveHub.keyframeSnapshot` holds: an init segment and one GOP of fMP4 fragments
    /// (H.264 with B-frames + AAC, 1280x720 as the e2e clip), here written by ffmpeg itself.
    func snapshot() async throws -> ByteBuffer {
        let path = directory.appendingPathComponent("gop.mp4").path
        let result = try await Tools.run("ffmpeg", [
            "-v", "error", "-y", "-f", "lavfi", "-i", "testsrc2=size=1280x720:rate=30",
            "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000", "-t", "1",
            "-c:v", "libx264", "-preset", "veryfast", "-bf", "2", "-g", "30", "-pix_fmt", "yuv420p", "-c:a", "aac",
            "-movflags", "frag_keyframe+empty_moov+default_base_moof", "-f", "mp4", path,
        ])
        try #require(result.status == 0, "ffmpeg could not make the GOP: \(result.errors)")
        return ByteBuffer(bytes: try Data(contentsOf: URL(fileURLWithPath: path)))
    }

    func makeDecoder(_ ffmpeg: URL? = nil) throws -> ThumbnailDecoder {
        let found = try #require(ffmpeg ?? ThumbnailDecoder.locateFFmpeg(path: "/usr/local/bin:/usr/bin"), "ffmpeg is required: apt-get install ffmpeg")
        return ThumbnailDecoder(ffmpeg: found, scratchDirectory: directory.appendingPathComponent("scratch"))
    }

    /// Width and height from a JPEG's start-of-frame marker.
    static func jpegSize(_ bytes: [UInt8]) -> (Int, Int)? {
        var index = 2
        while index + 9 < bytes.count, bytes[index] == 0xFF {
            let marker = bytes[index + 1]
            let length = Int(bytes[index + 2]) << 8 | Int(bytes[index + 3])
            if (0xC0...0xC3).contains(marker) {
                let height = Int(bytes[index + 5]) << 8 | Int(bytes[index + 6])
                let width = Int(bytes[index + 7]) << 8 | Int(bytes[index + 8])
                return (width, height)
            }
            index += 2 + length
        }
        return nil
    }

    @Test func aGOPBecomesA640PixelJPEG() async throws {
        // setup
        let input = try await snapshot()
        // act
        let jpeg = try await makeDecoder().decode(input)
        // check
        let bytes = Array(jpeg.readableBytesView)
        #expect(bytes.starts(with: [0xFF, 0xD8, 0xFF]))
        #expect(bytes.suffix(2) == [0xFF, 0xD9])
        let size = try #require(Self.jpegSize(bytes))
        #expect(size.0 == 640 && size.1 == 360, "\(size)")
        #expect(bytes.count < 200_000)
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.appendingPathComponent("scratch").path).isEmpty,
                "the snapshot file is removed")
    }

    @Test func notAVideoIsAFailureNotAPicture() async throws {
        await #expect(throws: ThumbnailDecoder.Failure.self) {
            _ = try await makeDecoder().decode(ByteBuffer(string: "not an mp4"))
        }
    }

    @Test func aChildThatTakesTooLongIsKilledAtTheTimeLimit() async throws {
        // setup: a "decoder" that never answers
        let slow = directory.appendingPathComponent("slow-ffmpeg")
        try "#!/bin/sh\nexec sleep 30\n".write(to: slow, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: slow.path)
        var decoder = try makeDecoder(slow)
        decoder.timeLimit = 0.5
        // act
        let started = Date()
        await #expect(throws: ThumbnailDecoder.Failure.timedOut) {
            _ = try await decoder.decode(ByteBuffer(string: "x"))
        }
        // check
        #expect(Date().timeIntervalSince(started) < 3)
    }

    @Test func outputBeyondTheLimitIsRefused() async throws {
        var decoder = try makeDecoder()
        decoder.maximumOutputBytes = 1_000
        let input = try await snapshot()
        await #expect(throws: ThumbnailDecoder.Failure.tooLarge) {
            _ = try await decoder.decode(input)
        }
    }

    @Test func ffmpegIsFoundOnPathOrNot() throws {
        #expect(ThumbnailDecoder.locateFFmpeg(path: "/nonexistent:/usr/bin")?.path == "/usr/bin/ffmpeg")
        #expect(ThumbnailDecoder.locateFFmpeg(path: directory.path) == nil)
        #expect(ThumbnailDecoder.locateFFmpeg(path: nil) == nil)
    }
}
