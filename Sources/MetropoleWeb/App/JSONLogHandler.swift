import Foundation
import Logging

/// How log lines look (`LOG_FORMAT`).
public enum LogFormat: String, Sendable, Equatable {
    case text
    case json
}

/// `LOG_FORMAT=json`: one JSON object per line on standard output, for log shippers:
/// `{"time", "level", "label", "message", "request_id"?, "metadata"?, "source"}`. The request
/// id is the one Vapor puts in every request's logger metadata and `X-Request-ID` echoes.
public struct JSONLogHandler: LogHandler {
    public var logLevel: Logger.Level
    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?
    private let label: String

    public init(label: String, level: Logger.Level, metadataProvider: Logger.MetadataProvider? = nil) {
        self.label = label
        self.logLevel = level
        self.metadataProvider = metadataProvider
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    private static let output = JSONLogOutput()

    public func log(event: LogEvent) {
        var merged = metadata
        if let provided = metadataProvider?.get() { merged.merge(provided) { _, new in new } }
        if let extra = event.metadata { merged.merge(extra) { _, new in new } }
        var line: [String: Any] = [
            "time": Self.timestamp(),
            "level": event.level.rawValue,
            "label": label,
            "message": event.message.description,
            "source": event.source,
        ]
        if let requestID = merged.removeValue(forKey: "request-id") { line["request_id"] = requestID.description }
        if let error = event.error { line["error"] = String(reflecting: error) }
        if !merged.isEmpty { line["metadata"] = merged.mapValues(Self.json) }
        Self.output.write(line)
    }

    private static func json(_ value: Logger.MetadataValue) -> Any {
        switch value {
        case .string(let text): text
        case .stringConvertible(let value): value.description
        case .array(let values): values.map(json)
        case .dictionary(let values): values.mapValues(json)
        }
    }

    private static func timestamp() -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.string(from: Date())
    }
}

/// One writer for every handler, so lines from many threads never interleave.
private final class JSONLogOutput: @unchecked Sendable {
    private let lock = NSLock()

    func write(_ line: [String: Any]) {
        guard var data = try? JSONSerialization.data(withJSONObject: line, options: [.sortedKeys, .withoutEscapingSlashes]) else { return }
        data.append(0x0A)
        lock.lock()
        defer { lock.unlock() }
        FileHandle.standardOutput.write(data)
    }
}
