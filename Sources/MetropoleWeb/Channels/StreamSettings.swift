import Fluent
import Vapor

/// Changes to a stream's title, chat settings and card picture choice, validated the same way for the API
/// (`PATCH /me/stream`) and the dashboard's forms.
struct StreamSettingsUpdate: Content, Sendable {
    var title: String?
    var chatEnabled: Bool?
    var slowModeSeconds: Int?
    var followersOnly: Bool?
    var keepUploadedThumbnail: Bool?
    /// Whether broadcasts are recorded (read when the stream next goes live).
    var record: Bool?

    static let titleLengths = 1...140
    static let slowModeRange = 0...3600

    /// A title as stored: trimmed, one line, no invisible characters, 1–140 characters (streams
    /// and videos alike); throws 422 otherwise.
    static func cleanTitle(_ title: String) throws -> String {
        let trimmed = title.trimmingCharacters(in: .whitespacesAndNewlines)
            .filter { !$0.unicodeScalars.allSatisfy(\.properties.isDefaultIgnorableCodePoint) && !$0.isNewline }
        guard titleLengths.contains(trimmed.count) else {
            throw APIError.validation("Title must be 1–140 characters.", code: "invalid_title")
        }
        return trimmed
    }

    /// Applies the update and saves; throws 422 naming the first bad field.
    func apply(to stream: Stream, on database: any Database) async throws {
        if let title { stream.title = try Self.cleanTitle(title) }
        if let slowModeSeconds {
            guard Self.slowModeRange.contains(slowModeSeconds) else {
                throw APIError.validation("Slow mode must be 0–3600 seconds.", code: "invalid_slow_mode")
            }
            stream.slowModeSeconds = slowModeSeconds
        }
        if let chatEnabled { stream.chatEnabled = chatEnabled }
        if let followersOnly { stream.followersOnly = followersOnly }
        if let keepUploadedThumbnail { stream.keepUploadedThumbnail = keepUploadedThumbnail }
        if let record { stream.record = record }
        try await stream.save(on: database)
    }
}
