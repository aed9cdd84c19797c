import Foundation
import MetropoleMedia
import NIOConcurrencyHelpers
import NIOCore

/// Turns keyframes (`LiveHub.newestKeyframe`) into JPEGs with Debian's `ffmpeg`, run as a
/// child process: many streams' keyframes in one `KeyframeReel`, one run, one picture per
/// keyframe (decision 0046). A run costs a process start
/// (≈ 80 ms of CPU) plus a few milliseconds per picture, so batching is what keeps pictures
/// cheap. Bounded: the child is killed after its time limit, a picture over
/// `maximumOutputBytes` is refused, and the blocking work runs on one serial dispatch queue of
/// its own, so at most one decoder runs at a time and neither an event loop nor the concurrency
/// pool ever waits on it.
struct ThumbnailDecoder: Sendable {
    enum Failure: Error, Equatable, CustomStringConvertible {
        case launch(String)
        case timedOut
        case tooLarge
        case exited(Int32)
        case noPicture
        case notJPEG
        /// A picture at a time no keyframe was at: the run's timing cannot be trusted.
        case misaligned

        var description: String {
            switch self {
            case .launch(let reason): "ffmpeg did not start: \(reason)"
            case .timedOut: "ffmpeg took too long and was stopped"
            case .tooLarge: "ffmpeg's picture was larger than allowed"
            case .exited(let status): "ffmpeg exited with status \(status)"
            case .noPicture: "ffmpeg made no picture of this keyframe"
            case .notJPEG: "ffmpeg's output is not a JPEG"
            case .misaligned: "ffmpeg made pictures at times no keyframe was at"
            }
        }
    }

    var ffmpeg: URL
    /// Every picture's size in pixels: the cards' 16:9.
    var width = 640
    var height = 360
    /// For a run of one keyframe; each further one adds `timePerPicture`.
    var timeLimit: TimeInterval = 5
    var timePerPicture: TimeInterval = 0.25
    /// Per picture.
    var maximumOutputBytes = 1 << 20
    /// Where the keyframes and pictures are written (decision 0046: files, not pipes).
    var scratchDirectory: URL
    /// Keyframes per run at most: bounds a run's time and its scratch files.
    static let batchLimit = 32

    private static let queue = DispatchQueue(label: "metropole.thumbnail-decoder")

    /// `ffmpeg` on `PATH`, or nil.
    static func locateFFmpeg(path: String?) -> URL? {
        for directory in (path ?? "").split(separator: ":") where !directory.isEmpty {
            let candidate = URL(fileURLWithPath: String(directory)).appendingPathComponent("ffmpeg")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
        }
        return nil
    }

    /// The reel in, one JPEG per frame out, named by its second in the reel: picture `n` is
    /// keyframe `n` even when another keyframe yields none. Every picture is 640x360 (letter- or
    /// pillar-boxed), because one encoder serves the whole run and cannot change size midway.
    /// No error concealment (`-ec 0`): it would fill a broken keyframe from the picture decoded
    /// before it, another stream's. One thread each for decoding, scaling and encoding:
    /// pictures are small and ingest shares the cores.
    func arguments(input: String, pictures: String) -> [String] {
        let box = "scale=\(width):\(height):force_original_aspect_ratio=decrease,pad=\(width):\(height):-1:-1"
        return ["-hide_banner", "-loglevel", "error", "-nostdin", "-threads", "1", "-ec", "0", "-f", "mp4", "-i", input,
                "-fps_mode", "passthrough", "-enc_time_base", "1:1", "-threads", "1", "-filter_threads", "1", "-vf", box,
                "-c:v", "mjpeg", "-q:v", "5", "-f", "image2", "-frame_pts", "1", pictures + "/%d.jpg"]
    }

    /// One picture per keyframe, in order. Keyframes beyond `batchLimit` are not decoded.
    func decode(_ keyframes: [Keyframe]) async -> [Result<ByteBuffer, Failure>] {
        let keyframes = Array(keyframes.prefix(Self.batchLimit))
        guard !keyframes.isEmpty else { return [] }
        return await withCheckedContinuation { continuation in
            Self.queue.async { continuation.resume(returning: run(KeyframeReel.make(keyframes), count: keyframes.count)) }
        }
    }

    /// Blocking: only ever on `queue`.
    private func run(_ reel: ByteBuffer, count: Int) -> [Result<ByteBuffer, Failure>] {
        let name = "reel-\(UUID().uuidString)"
        let input = scratchDirectory.appendingPathComponent(name + ".mp4")
        let pictures = scratchDirectory.appendingPathComponent(name)
        defer {
            try? FileManager.default.removeItem(at: input)
            try? FileManager.default.removeItem(at: pictures)
        }
        let all = { (failure: Failure) in Array(repeating: Result<ByteBuffer, Failure>.failure(failure), count: count) }
        do {
            try FileManager.default.createDirectory(at: pictures, withIntermediateDirectories: true)
            try Data(reel.readableBytesView).write(to: input)
        } catch {
            return all(.launch("cannot write \(input.path): \(error.localizedDescription)"))
        }
        let process = Process()
        process.executableURL = ffmpeg
        process.arguments = arguments(input: input.path, pictures: pictures.path)
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        do { try process.run() } catch { return all(.launch(error.localizedDescription)) }
        let pid = process.processIdentifier

        let timedOut = NIOLockedValueBox(false)
        let deadline = DispatchWorkItem {
            timedOut.withLockedValue { $0 = true }
            kill(pid, SIGKILL)
        }
        let limit = timeLimit + timePerPicture * Double(count - 1)
        DispatchQueue.global().asyncAfter(deadline: .now() + limit, execute: deadline)
        process.waitUntilExit()
        deadline.cancel()

        if timedOut.withLockedValue({ $0 }) { return all(.timedOut) }
        guard process.terminationReason == .exit, process.terminationStatus == 0 else {
            return all(.exited(process.terminationStatus))
        }
        let file = { (index: Int) in pictures.appendingPathComponent("\(index).jpg") }
        let expected = Set((0..<count).map { "\($0).jpg" })
        let made = (try? FileManager.default.contentsOfDirectory(atPath: pictures.path)) ?? []
        guard made.allSatisfy(expected.contains) else { return all(.misaligned) }
        return (0..<count).map { index in
            guard let size = (try? FileManager.default.attributesOfItem(atPath: file(index).path))?[.size] as? Int else {
                return .failure(.noPicture)
            }
            guard size <= maximumOutputBytes else { return .failure(.tooLarge) }
            guard let bytes = try? Data(contentsOf: file(index)) else { return .failure(.noPicture) }
            guard bytes.starts(with: [0xFF, 0xD8, 0xFF]) else { return .failure(.notJPEG) }
            return .success(ByteBuffer(bytes: bytes))
        }
    }
}
