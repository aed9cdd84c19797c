import MetropoleTestSupport
import Foundation
import Testing

/// Runs Peers/aiortc_publisher.py and speaks its line protocol (JSON on stdin/stdout).
/// Tests that need it fail, not skip, without aiortc: `scripts/install-deps` installs it.
final class AiortcPeer: @unchecked Sendable {
    private let process = Process()
    private let input = Pipe()
    private let output = Pipe()
    private let errors = Pipe()
    private let lines = Locked<[[String: Any]]>([])
    private let stderrText = Locked("")

    init(arguments: [String]) throws {
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", FixtureFiles.peers.appendingPathComponent("aiortc_publisher.py").path] + arguments
        process.standardInput = input
        process.standardOutput = output
        process.standardError = errors
        let lines = self.lines
        let pending = Locked(Data())
        output.fileHandleForReading.readabilityHandler = { handle in
            let chunk = handle.availableData
            let complete: [Data] = pending.withValue { pending in
                pending.append(chunk)
                var complete: [Data] = []
                while let newline = pending.firstIndex(of: 0x0A) {
                    complete.append(Data(pending[pending.startIndex..<newline]))
                    pending = Data(pending[(newline + 1)...])
                }
                return complete
            }
            for line in complete {
                if let object = try? JSONSerialization.jsonObject(with: line) as? [String: Any] {
                    lines.withValue { $0.append(object) }
                }
            }
        }
        let stderrText = self.stderrText
        errors.fileHandleForReading.readabilityHandler = { handle in
            let text = String(decoding: handle.availableData, as: UTF8.self)
            stderrText.withValue { $0 += text }
        }
        try process.run()
    }

    deinit {
        kill()
    }

    var stderr: String { stderrText.current }

    /// The first line carrying `key`, waiting up to `seconds`.
    func value(_ key: String, within seconds: Double) async -> Any? {
        _ = await eventually(within: seconds) { lines.current.contains { $0[key] != nil } }
        return lines.current.first { $0[key] != nil }?[key]
    }

    var states: [String] {
        lines.current.compactMap { $0["state"] as? String }
    }

    func offer() async throws -> String {
        let offer = await value("offer", within: 20) as? String
        return try #require(offer, "aiortc printed no offer; stderr: \(stderr)")
    }

    func send(answer: String) throws {
        let data = try JSONSerialization.data(withJSONObject: ["answer": answer]) + Data([0x0A])
        input.fileHandleForWriting.write(data)
    }

    var isRunning: Bool { process.isRunning }

    /// SIGKILL: the peer vanishes without DTLS close_notify or DELETE, as a crashed encoder would.
    func kill() {
        if process.isRunning {
            Foundation.kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        output.fileHandleForReading.readabilityHandler = nil
        errors.fileHandleForReading.readabilityHandler = nil
    }
}
