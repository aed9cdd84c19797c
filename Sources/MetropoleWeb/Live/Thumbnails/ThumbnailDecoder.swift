import Foundation
import NIOConcurrencyHelpers
import NIOCore

/// Turns a keyframe snapshot (init segment + one GOP of fMP4) into a JPEG with Debian's
/// `ffmpeg`, run as a child process (decision 0046). Bounded: the child is killed after
/// `timeLimit`, output beyond `maximumOutputBytes` is refused, and the blocking work runs on
/// one serial dispatch queue of its own, so at most one decoder runs at a time and neither an
/// event loop nor the concurrency pool ever waits on it.
struct ThumbnailDecoder: Sendable {
    enum Failure: Error, Equatable, CustomStringConvertible {
        case launch(String)
        case timedOut
        case tooLarge
        case exited(Int32)
        case notJPEG

        var description: String {
            switch self {
            case .launch(let reason): "ffmpeg did not start: \(reason)"
            case .timedOut: "ffmpeg took too long and was stopped"
            case .tooLarge: "ffmpeg's picture was larger than allowed"
            case .exited(let status): "ffmpeg exited with status \(status)"
            case .notJPEG: "ffmpeg's output is not a JPEG"
            }
        }
    }

    var ffmpeg: URL
    /// Output width in pixels; the height keeps the aspect ratio (even, for the encoder).
    var width = 640
    var timeLimit: TimeInterval = 5
    var maximumOutputBytes = 1 << 20
    /// Where the snapshot is written for ffmpeg to read (decision 0046: a file, not a pipe).
    var scratchDirectory: URL

    private static let queue = DispatchQueue(label: "metropole.thumbnail-decoder")

    /// `ffmpeg` on `PATH`, or nil.
    static func locateFFmpeg(path: String?) -> URL? {
        for directory in (path ?? "").split(separator: ":") where !directory.isEmpty {
            let candidate = URL(fileURLWithPath: String(directory)).appendingPathComponent("ffmpeg")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
        }
        return nil
    }

    func arguments(input: String) -> [String] {
        ["-hide_banner", "-loglevel", "error", "-nostdin", "-f", "mp4", "-i", input, "-frames:v", "1",
         "-vf", "scale=\(width):-2", "-f", "image2", "-c:v", "mjpeg", "-q:v", "5", "pipe:1"]
    }

    func decode(_ snapshot: ByteBuffer) async throws(Failure) -> ByteBuffer {
        let result: Result<ByteBuffer, Failure> = await withCheckedContinuation { continuation in
            Self.queue.async { continuation.resume(returning: run(snapshot)) }
        }
        return try result.get()
    }

    /// Blocking: only ever on `queue`.
    private func run(_ snapshot: ByteBuffer) -> Result<ByteBuffer, Failure> {
        let input = scratchDirectory.appendingPathComponent("snapshot-\(UUID().uuidString).mp4")
        defer { try? FileManager.default.removeItem(at: input) }
        do {
            try FileManager.default.createDirectory(at: scratchDirectory, withIntermediateDirectories: true)
            try Data(snapshot.readableBytesView).write(to: input)
        } catch {
            return .failure(.launch("cannot write \(input.path): \(error.localizedDescription)"))
        }
        let process = Process()
        process.executableURL = ffmpeg
        process.arguments = arguments(input: input.path)
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        do { try process.run() } catch { return .failure(.launch(error.localizedDescription)) }
        let pid = process.processIdentifier

        let timedOut = NIOLockedValueBox(false)
        let deadline = DispatchWorkItem {
            timedOut.withLockedValue { $0 = true }
            kill(pid, SIGKILL)
        }
        DispatchQueue.global().asyncAfter(deadline: .now() + timeLimit, execute: deadline)

        var bytes = Data()
        var tooLarge = false
        let reader = output.fileHandleForReading
        while let chunk = try? reader.read(upToCount: 64 * 1024), !chunk.isEmpty {
            bytes.append(chunk)
            if bytes.count > maximumOutputBytes {
                tooLarge = true
                kill(pid, SIGKILL)
                break
            }
        }
        try? reader.close()
        process.waitUntilExit()
        deadline.cancel()

        if timedOut.withLockedValue({ $0 }) { return .failure(.timedOut) }
        if tooLarge { return .failure(.tooLarge) }
        guard process.terminationReason == .exit, process.terminationStatus == 0 else {
            return .failure(.exited(process.terminationStatus))
        }
        guard bytes.starts(with: [0xFF, 0xD8, 0xFF]) else { return .failure(.notJPEG) }
        return .success(ByteBuffer(bytes: bytes))
    }
}
