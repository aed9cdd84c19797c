import Foundation
import Testing

/// Runs ffmpeg and ffprobe. Tests that need them fail, not skip, when they are missing:
/// a green run must mean a real decoder accepted our output.
enum Tools {
    struct Result {
        var status: Int32
        var output: String
        var errors: String
    }

    static func run(_ tool: String, _ arguments: [String]) throws -> Result {
        let path = "/usr/bin/\(tool)"
        try #require(FileManager.default.isExecutableFile(atPath: path), "\(tool) is required: apt-get install ffmpeg")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        // Read both pipes to the end before waiting, so a chatty tool cannot fill one and stall.
        let errorData = ByteCollector(errors.fileHandleForReading)
        let outputData = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(
            status: process.terminationStatus,
            output: String(decoding: outputData, as: UTF8.self),
            errors: String(decoding: errorData.finish(), as: UTF8.self)
        )
    }

    static func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("metropole-media-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}

/// Drains a pipe on a background thread.
private final class ByteCollector: @unchecked Sendable {
    private var data = Data()
    private let done = DispatchSemaphore(value: 0)

    init(_ handle: FileHandle) {
        Thread.detachNewThread { [self] in
            data = handle.readDataToEndOfFile()
            done.signal()
        }
    }

    func finish() -> Data {
        done.wait()
        return data
    }
}
