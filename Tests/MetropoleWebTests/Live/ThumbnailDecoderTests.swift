import Foundation
import MetropoleMedia
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

    /// A keyframe as `LiveHub.newestKeyframe` gives it, from a real encoder (libx264 with
    /// B-frames, as publishers send), read from ffmpeg's raw H.264 output.
    func keyframe(size: String, color: String? = nil) async throws -> Keyframe {
        let path = directory.appendingPathComponent("key-\(size)-\(color ?? "test").h264").path
        let source = color.map { "color=c=\($0):size=\(size):rate=30" } ?? "testsrc2=size=\(size):rate=30"
        let result = try await Tools.run("ffmpeg", [
            "-v", "error", "-y", "-f", "lavfi", "-i", source, "-frames:v", "1",
            "-c:v", "libx264", "-preset", "veryfast", "-bf", "2", "-pix_fmt", "yuv420p", "-f", "h264", path,
        ])
        try #require(result.status == 0, "ffmpeg could not make the keyframe: \(result.errors)")
        let units = Self.nalUnits(Array(try Data(contentsOf: URL(fileURLWithPath: path))))
        let record = try AVCDecoderConfigurationRecord(
            sequenceParameterSets: units.filter { $0.first.map { $0 & 0x1F == 7 } ?? false }.map { ByteBuffer(bytes: $0) },
            pictureParameterSets: units.filter { $0.first.map { $0 & 0x1F == 8 } ?? false }.map { ByteBuffer(bytes: $0) }
        )
        return try #require(Keyframe(sample: Self.sample(units.filter { ![7, 8].contains($0[0] & 0x1F) }), record: record))
    }

    /// The NAL units of an Annex B stream.
    static func nalUnits(_ bytes: [UInt8]) -> [[UInt8]] {
        var starts: [Int] = []
        var index = 0
        while index + 3 <= bytes.count {
            if bytes[index] == 0, bytes[index + 1] == 0, bytes[index + 2] == 1 {
                starts.append(index + 3)
                index += 3
            } else {
                index += 1
            }
        }
        return starts.enumerated().map { position, start in
            var end = position + 1 < starts.count ? starts[position + 1] - 3 : bytes.count
            while end > start, bytes[end - 1] == 0 { end -= 1 }
            return Array(bytes[start..<end])
        }.filter { !$0.isEmpty }
    }

    /// 4-byte length-prefixed NAL units.
    static func sample(_ units: [[UInt8]]) -> ByteBuffer {
        var buffer = ByteBuffer()
        for unit in units {
            buffer.writeInteger(UInt32(unit.count))
            buffer.writeBytes(unit)
        }
        return buffer
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

    /// The picture's average colour (red, green, blue), as ffmpeg decodes it.
    func averageColor(_ result: Result<ByteBuffer, ThumbnailDecoder.Failure>) async throws -> [Int] {
        let path = directory.appendingPathComponent("picture-\(UUID().uuidString).jpg")
        try Data(try result.get().readableBytesView).write(to: path)
        let pixel = directory.appendingPathComponent("pixel-\(UUID().uuidString).rgb")
        let run = try await Tools.run("ffmpeg", ["-v", "error", "-y", "-i", path.path, "-vf", "scale=1:1:flags=area",
                                                 "-f", "rawvideo", "-pix_fmt", "rgb24", pixel.path])
        try #require(run.status == 0, "\(run.errors)")
        return try Data(contentsOf: pixel).map(Int.init)
    }

    static func size(_ result: Result<ByteBuffer, ThumbnailDecoder.Failure>) -> String {
        switch result {
        case .success(let jpeg):
            let bytes = Array(jpeg.readableBytesView)
            guard bytes.starts(with: [0xFF, 0xD8, 0xFF]), bytes.suffix(2) == [0xFF, 0xD9], let (width, height) = jpegSize(bytes) else {
                return "not a JPEG"
            }
            return "\(width)x\(height)"
        case .failure(let failure):
            return "\(failure)"
        }
    }

    @Test func oneRunMakesOne640x360JPEGPerKeyframeInOrder() async throws {
        // setup: streams of different sizes and colours
        let (blue, red) = (try await keyframe(size: "1280x720", color: "blue"), try await keyframe(size: "320x240", color: "red"))
        // act
        let results = try await makeDecoder().decode([blue, red, blue])
        // check: boxed to the cards' size, each stream's picture in its place
        #expect(results.map(Self.size) == ["640x360", "640x360", "640x360"])
        let colors = try await results.asyncMap(averageColor)
        #expect(colors[0][2] > 200 && colors[0][0] < 40, "blue: \(colors[0])")
        #expect(colors[1][0] > 150 && colors[1][2] < 40, "red, pillar-boxed: \(colors[1])")
        #expect(colors[2][2] > 200 && colors[2][0] < 40, "blue: \(colors[2])")
        #expect(try results[0].get().readableBytes < 200_000)
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.appendingPathComponent("scratch").path).isEmpty,
                "the reel and pictures are removed")
    }

    @Test func aBrokenKeyframeNeverShowsTheStreamBeforeIt() async throws {
        let (blue, red) = (try await keyframe(size: "1280x720", color: "blue"), try await keyframe(size: "1280x720", color: "red"))
        // The blue stream's configuration, then an IDR slice naming a picture parameter set nobody
        // sent; then the first half of the red keyframe.
        var broken = blue
        broken.sample = Self.sample([ParameterSets.sps720p, ParameterSets.pps720p, [0x65, 0x88, 0xFF, 0xFF, 0xFF, 0xF0]])
        var truncated = red
        truncated.sample = truncated.sample.getSlice(at: 0, length: red.sample.readableBytes / 2)!
        // act
        let results = try await makeDecoder().decode([blue, broken, red, truncated, blue])
        // check: no picture, or one that is not the previous stream's (error concealment would
        // fill a broken picture from the one decoded before it)
        #expect(try await averageColor(results[0])[2] > 200)
        if case .success = results[1] { #expect(try await averageColor(results[1])[2] < 100, "not blue") }
        #expect(try await averageColor(results[2])[0] > 200)
        if case .success = results[3] { #expect(try await averageColor(results[3])[0] < 100, "not red") }
        #expect(try await averageColor(results[4])[2] > 200)
        #expect(results.filter { (try? $0.get()) == nil }.count >= 1, "the truncated one at least has no picture")
    }

    @Test func aChildThatTakesTooLongIsKilledAtTheTimeLimit() async throws {
        // setup: a "decoder" that never answers
        let slow = directory.appendingPathComponent("slow-ffmpeg")
        try "#!/bin/sh\nexec sleep 30\n".write(to: slow, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: slow.path)
        var decoder = try makeDecoder(slow)
        decoder.timeLimit = 0.5
        decoder.timePerPicture = 0.1
        let keyframe = try await keyframe(size: "320x240")
        // act
        let started = Date()
        let results = await decoder.decode([keyframe, keyframe])
        // check
        #expect(results == [.failure(.timedOut), .failure(.timedOut)])
        #expect(Date().timeIntervalSince(started) < 3)
    }

    @Test func aPictureBeyondTheLimitIsRefused() async throws {
        var decoder = try makeDecoder()
        decoder.maximumOutputBytes = 1_000
        let results = await decoder.decode([try await keyframe(size: "1280x720")])
        #expect(results == [.failure(.tooLarge)])
    }

    @Test func keyframesBeyondTheBatchLimitAreNotDecoded() async throws {
        let small = try await keyframe(size: "320x240")
        let results = try await makeDecoder().decode(Array(repeating: small, count: ThumbnailDecoder.batchLimit + 2))
        #expect(results.count == ThumbnailDecoder.batchLimit)
        #expect(results.allSatisfy { Self.size($0) == "640x360" })
    }

    @Test func ffmpegIsFoundOnPathOrNot() throws {
        #expect(ThumbnailDecoder.locateFFmpeg(path: "/nonexistent:/usr/bin")?.path == "/usr/bin/ffmpeg")
        #expect(ThumbnailDecoder.locateFFmpeg(path: directory.path) == nil)
        #expect(ThumbnailDecoder.locateFFmpeg(path: nil) == nil)
    }
}

/// Parameter sets from ffmpeg's libx264 at 1280x720, for keyframes built by hand.
enum ParameterSets {
    static let sps720p: [UInt8] = [0x67, 0x64, 0x00, 0x1f, 0xac, 0xd9, 0x40, 0x50, 0x05, 0xbb, 0x01, 0x10, 0x00, 0x00, 0x03, 0x00,
                                   0x10, 0x00, 0x00, 0x03, 0x03, 0xc0, 0xf1, 0x83, 0x19, 0x60]
    static let pps720p: [UInt8] = [0x68, 0xeb, 0xe3, 0xcb, 0x22, 0xc0]
}

extension Array {
    func asyncMap<T>(_ transform: (Element) async throws -> T) async rethrows -> [T] {
        var mapped: [T] = []
        for element in self { mapped.append(try await transform(element)) }
        return mapped
    }
}
