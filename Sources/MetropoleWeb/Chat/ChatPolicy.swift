import Foundation

/// A channel's chat settings, as the streamer sets them on their `Stream`.
struct ChatSettings: Sendable, Equatable, Codable {
    var enabled: Bool
    var slowModeSeconds: Int
    var followersOnly: Bool

    init(enabled: Bool = true, slowModeSeconds: Int = 0, followersOnly: Bool = false) {
        self.enabled = enabled
        self.slowModeSeconds = slowModeSeconds
        self.followersOnly = followersOnly
    }

    init(_ stream: Stream) {
        self.init(enabled: stream.chatEnabled, slowModeSeconds: stream.slowModeSeconds, followersOnly: stream.followersOnly)
    }
}

/// How many messages one person may send in a window (Twitch's numbers by default;
/// `METROPOLE_CHAT_RATE_LIMIT=<viewer>/<streamer>` changes them, read by `AppConfiguration`).
struct ChatRateLimits: Sendable, Equatable {
    static let variable = "METROPOLE_CHAT_RATE_LIMIT"

    var window: TimeInterval = 30
    var viewer = 20
    var streamer = 100
}

/// Why a message was refused; `code` is the contract's error code.
enum ChatRejection: Error, Equatable, Sendable {
    case notSignedIn
    case chatDisabled
    case followersOnly
    case slowMode(retryAfter: Int)
    case rateLimited(retryAfter: Int)
    case empty
    case tooLong

    var code: String {
        switch self {
        case .notSignedIn: "not_signed_in"
        case .chatDisabled: "chat_disabled"
        case .followersOnly: "followers_only"
        case .slowMode: "slow_mode"
        case .rateLimited: "rate_limited"
        case .empty: "empty"
        case .tooLong: "too_long"
        }
    }

    var message: String {
        switch self {
        case .notSignedIn: "Sign in to chat."
        case .chatDisabled: "Chat is turned off for this channel."
        case .followersOnly: "Only followers can chat here. Follow the channel to join in."
        case .slowMode(let seconds): "Slow mode is on. You can send another message in \(seconds) s."
        case .rateLimited(let seconds): "You are sending messages too quickly. Try again in \(seconds) s."
        case .empty: "Type a message first."
        case .tooLong: "Messages can be at most \(ChatText.maximumLength) characters."
        }
    }

    var retryAfter: Int? {
        switch self {
        case .slowMode(let seconds), .rateLimited(let seconds): seconds
        default: nil
        }
    }
}

/// One sender's recent messages on one channel: what slow mode and the rate limit look at.
struct SenderPace: Sendable {
    /// Send times of accepted messages inside the rate window, oldest first.
    private(set) var recent: [Date] = []

    var last: Date? { recent.last }

    mutating func record(_ now: Date, window: TimeInterval) {
        recent.removeAll { now.timeIntervalSince($0) >= window }
        // A message from another node may arrive after a later one from here: keep time order.
        recent.insert(now, at: recent.lastIndex { $0 <= now }.map { $0 + 1 } ?? 0)
    }

    /// Whether nothing inside the window is left, so the entry can be forgotten.
    func isIdle(at now: Date, window: TimeInterval) -> Bool {
        guard let last else { return true }
        return now.timeIntervalSince(last) >= window
    }

    func count(at now: Date, window: TimeInterval) -> Int {
        recent.reduce(0) { now.timeIntervalSince($1) < window ? $0 + 1 : $0 }
    }

    /// Seconds until the oldest message in the window leaves it.
    func secondsUntilSlot(at now: Date, window: TimeInterval) -> Int {
        guard let oldest = recent.first(where: { now.timeIntervalSince($0) < window }) else { return 0 }
        return max(1, Int((window - now.timeIntervalSince(oldest)).rounded(.up)))
    }
}

/// Every rule a message must pass, checked by the server for every message. Pure: the caller
/// supplies who is sending, the settings, and the sender's pace.
enum ChatPolicy {
    struct Sender: Sendable {
        var isSignedIn: Bool
        var isStreamer: Bool
        var follows: Bool
    }

    /// Whether `sender` may post at all under `settings`, whatever the text and pace: nil, or
    /// why not. The chat's `you.canChat`/`you.reason` is this; the browser shows it as is.
    static func standing(of sender: Sender, under settings: ChatSettings) -> ChatRejection? {
        if !sender.isSignedIn { return .notSignedIn }
        if !settings.enabled { return .chatDisabled }
        if settings.followersOnly && !sender.isStreamer && !sender.follows { return .followersOnly }
        return nil
    }

    /// The cleaned text when the message may be posted now.
    static func check(
        _ rawText: String, from sender: Sender, settings: ChatSettings, pace: SenderPace,
        limits: ChatRateLimits, now: Date
    ) -> Result<String, ChatRejection> {
        // Standing first, except followers-only, which a message that is empty or too long
        // never gets far enough to be refused for.
        if let refusal = standing(of: sender, under: settings), refusal != .followersOnly { return .failure(refusal) }
        let text: String
        switch ChatText.clean(rawText) {
        case .success(let cleaned): text = cleaned
        case .failure(.empty): return .failure(.empty)
        case .failure(.tooLong): return .failure(.tooLong)
        }
        if let refusal = standing(of: sender, under: settings) { return .failure(refusal) }
        if settings.slowModeSeconds > 0, !sender.isStreamer, let last = pace.last {
            let elapsed = now.timeIntervalSince(last)
            if elapsed < TimeInterval(settings.slowModeSeconds) {
                let wait = max(1, Int((TimeInterval(settings.slowModeSeconds) - elapsed).rounded(.up)))
                return .failure(.slowMode(retryAfter: wait))
            }
        }
        let allowance = sender.isStreamer ? limits.streamer : limits.viewer
        if pace.count(at: now, window: limits.window) >= allowance {
            return .failure(.rateLimited(retryAfter: pace.secondsUntilSlot(at: now, window: limits.window)))
        }
        return .success(text)
    }
}
