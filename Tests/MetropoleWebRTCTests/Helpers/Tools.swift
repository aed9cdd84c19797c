import Foundation
import Testing

/// Runs ffprobe and ffmpeg. Tests that need them fail, not skip, when they are missing: a
/// green run must mean a real decoder accepted what the hub built from WebRTC media.
enum Tools {
    struct Result {
        var status: Int32
        var output: String
        var errors: String
    }

    static func run(_ tool: String, _ arguments: [String]) throws -> Result {
        let path = "/usr/bin/\(tool)"
        try #require(FileManager.default.isExecutableFile(atPath: path), "\(tool) is required: scripts/install-deps")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        // Both pipes are read to the end before waiting, so a chatty tool cannot stall on one.
        let errorData = Locked(Data())
        let done = DispatchSemaphore(value: 0)
        Thread.detachNewThread {
            let data = errors.fileHandleForReading.readDataToEndOfFile()
            errorData.withValue { $0 = data }
            done.signal()
        }
        let outputData = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        done.wait()
        return Result(
            status: process.terminationStatus,
            output: String(decoding: outputData, as: UTF8.self),
            errors: String(decoding: errorData.current, as: UTF8.self)
        )
    }

    static func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("metropole-webrtc-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}
