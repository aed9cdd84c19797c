import Foundation

/// How long and how much recordings are kept: `METROPOLE_VOD_RETENTION_DAYS` and
/// `METROPOLE_VOD_MAX_GB` (decimals allowed; 0 or unset turns either off). Oldest go first.
struct RecordingRetention: Sendable, Equatable {
    static let daysVariable = "METROPOLE_VOD_RETENTION_DAYS"
    static let maxGBVariable = "METROPOLE_VOD_MAX_GB"
    /// How often the rule runs besides at start and after each recording ends.
    static let interval: Duration = .seconds(300)

    var maximumAge: TimeInterval?
    var maximumBytes: Int64?

    var isActive: Bool { maximumAge != nil || maximumBytes != nil }

    /// Reads both variables; a value that is not a non-negative number names its variable.
    static func load(_ value: (String) -> String?) throws(AppConfiguration.Error) -> RecordingRetention {
        func number(_ name: String) throws(AppConfiguration.Error) -> Double? {
            guard let raw = value(name) else { return nil }
            guard let number = Double(raw), number.isFinite, number >= 0, number < 1e9 else {
                throw AppConfiguration.Error(variable: name, problem: "\"\(raw)\" is not a number ≥ 0 (0 turns it off)")
            }
            return number > 0 ? number : nil
        }
        var retention = RecordingRetention()
        retention.maximumAge = try number(daysVariable).map { $0 * 86_400 }
        retention.maximumBytes = try number(maxGBVariable).map { Int64(max(1, ($0 * 1_000_000_000).rounded())) }
        return retention
    }

    /// The videos to delete, from `(id, startedAt, bytes)` oldest first: those past the age
    /// limit, then the oldest until the rest fit the byte cap.
    func expired(_ videos: [(id: UUID, startedAt: Date, bytes: Int64)], now: Date) -> [UUID] {
        let ordered = videos.sorted { $0.startedAt < $1.startedAt }
        var doomed: [UUID] = []
        var kept = ordered
        if let maximumAge {
            let cutoff = now.addingTimeInterval(-maximumAge)
            doomed += kept.filter { $0.startedAt < cutoff }.map(\.id)
            kept.removeAll { $0.startedAt < cutoff }
        }
        if let maximumBytes {
            var total = kept.reduce(0) { $0 + $1.bytes }
            for video in kept where total > maximumBytes {
                doomed.append(video.id)
                total -= video.bytes
            }
        }
        return doomed
    }
}
