import Foundation

/// Runs ffmpeg and ffprobe (Debian's). Tests that need them fail, not skip, when they are
/// missing: a green run must mean a real decoder accepted our output.
public enum Tools {
    public struct Result: Sendable {
        public var status: Int32
        public var output: String
        public var errors: String
    }

    public struct Missing: Error, CustomStringConvertible {
        public var description: String
    }

    /// Waits without holding a thread: the tests run on Swift's cooperative pool (one thread
    /// per core here), and a blocked thread would stall every other test's timers for as long as
    /// ffmpeg runs.
    public static func run(_ tool: String, _ arguments: [String]) async throws -> Result {
        let path = "/usr/bin/\(tool)"
        guard FileManager.default.isExecutableFile(atPath: path) else {
            throw Missing(description: "\(tool) is required: apt-get install ffmpeg")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        // Files rather than pipes: nothing to drain while the tool runs.
        let output = directory.appendingPathComponent("out")
        let errors = directory.appendingPathComponent("err")
        FileManager.default.createFile(atPath: output.path, contents: nil)
        FileManager.default.createFile(atPath: errors.path, contents: nil)
        process.standardOutput = try FileHandle(forWritingTo: output)
        process.standardError = try FileHandle(forWritingTo: errors)
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            process.terminationHandler = { _ in continuation.resume() }
            do {
                try process.run()
            } catch {
                process.terminationHandler = nil
                continuation.resume(throwing: error)
            }
        }
        return Result(
            status: process.terminationStatus,
            output: String(decoding: try Data(contentsOf: output), as: UTF8.self),
            errors: String(decoding: try Data(contentsOf: errors), as: UTF8.self)
        )
    }

    /// Decodes `input` with ffmpeg into the null muxer: a clean run (status 0, nothing on
    /// stderr) means every frame decoded. The encoder keeps the input's time base: with the
    /// default, a low guessed frame rate makes the null muxer itself report DTS collisions
    /// between frames that decoded fine.
    public static func decode(_ input: String, inputOptions: [String] = []) async throws -> Result {
        try await run("ffmpeg", ["-v", "error", "-nostdin"] + inputOptions + ["-i", input, "-enc_time_base", "-1", "-f", "null", "-"])
    }

    public static func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("metropole-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}
