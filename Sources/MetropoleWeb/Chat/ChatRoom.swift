import Foundation
import NIOConcurrencyHelpers

/// Who is on the other end of one chat socket.
struct ChatParticipant: Sendable {
    var userID: UUID?
    var username: String?
    var isStreamer: Bool
    /// The viewer id shared with the player, so someone watching and chatting counts once.
    var viewerKey: String

    var isSignedIn: Bool { userID != nil }
    /// One entry per person in the presence list; each guest connection is its own person.
    var presenceKey: String { username.map(Username.key) ?? "guest:" + viewerKey }
}

/// One channel's chat state: settings, the last messages, who is here, and each sender's pace.
/// The sockets themselves live in `ChatFanout`; this is what the rules and `hello` read.
final class ChatRoom: Sendable {
    static let historyLimit = 50

    struct Person: Sendable {
        var username: String?
        var isStreamer: Bool
        var connections: Int
    }

    private struct State {
        var settings: ChatSettings
        var history: [ChatRecord]
        var paces: [UUID: SenderPace] = [:]
        var people: [String: Person] = [:]
        var lastAnnounced: ChatFrame.Viewers?
        var lastTouched = Date()
    }

    let ownerID: UUID
    let ownerName: String
    private let state: NIOLockedValueBox<State>

    init(ownerID: UUID, ownerName: String, settings: ChatSettings, history: [ChatRecord]) {
        self.ownerID = ownerID
        self.ownerName = ownerName
        state = NIOLockedValueBox(State(settings: settings, history: Array(history.suffix(Self.historyLimit))))
    }

    var settings: ChatSettings { state.withLockedValue { $0.settings } }

    /// Adds a connection; returns what its `hello` shows.
    func join(_ participant: ChatParticipant) -> (settings: ChatSettings, history: [ChatRecord]) {
        state.withLockedValue { state in
            state.people[participant.presenceKey, default: Person(
                username: participant.username, isStreamer: participant.isStreamer, connections: 0
            )].connections += 1
            state.lastTouched = Date()
            return (state.settings, state.history)
        }
    }

    func leave(_ participant: ChatParticipant) {
        state.withLockedValue { state in
            let key = participant.presenceKey
            guard let person = state.people[key] else { return }
            state.people[key] = person.connections > 1 ? Person(
                username: person.username, isStreamer: person.isStreamer, connections: person.connections - 1
            ) : nil
            state.lastTouched = Date()
        }
    }

    /// Checks every rule and, when the message passes, records it as sent.
    func post(_ text: String, from participant: ChatParticipant, follows: Bool, limits: ChatRateLimits,
              now: Date = Date()) -> Result<ChatRecord, ChatRejection> {
        state.withLockedValue { state in
            let sender = ChatPolicy.Sender(isSignedIn: participant.isSignedIn, isStreamer: participant.isStreamer, follows: follows)
            guard let userID = participant.userID, let username = participant.username else { return .failure(.notSignedIn) }
            let pace = state.paces[userID] ?? SenderPace()
            switch ChatPolicy.check(text, from: sender, settings: state.settings, pace: pace, limits: limits, now: now) {
            case .failure(let rejection):
                return .failure(rejection)
            case .success(let cleaned):
                state.paces[userID, default: SenderPace()].record(now, window: limits.window)
                return .success(ChatRecord(id: UUID(), channelOwnerID: ownerID, userID: userID, username: username,
                                           text: cleaned, isStreamer: participant.isStreamer, sentAt: now))
            }
        }
    }

    /// A message as the bus delivers it: appended to the history, and when it was sent on
    /// another node, counted in its sender's pace. False when it is already here.
    func accept(_ record: ChatRecord, countingPace: Bool, limits: ChatRateLimits) -> Bool {
        state.withLockedValue { state in
            guard !state.history.contains(where: { $0.id == record.id }) else { return false }
            if countingPace { state.paces[record.userID, default: SenderPace()].record(record.sentAt, window: limits.window) }
            state.history.append(record)
            if state.history.count > Self.historyLimit { state.history.removeFirst(state.history.count - Self.historyLimit) }
            return true
        }
    }

    /// Replaces the settings; true when they changed.
    func apply(_ settings: ChatSettings) -> Bool {
        state.withLockedValue { state in
            defer { state.settings = settings }
            return state.settings != settings
        }
    }

    /// Signed-in people in the chat, streamer first, then by name; and how many guests.
    func presence() -> (people: [Person], guests: Int) {
        let people = state.withLockedValue { Array($0.people.values) }
        let named = people.filter { $0.username != nil }.sorted {
            ($0.isStreamer ? 0 : 1, Username.key($0.username ?? "")) < ($1.isStreamer ? 0 : 1, Username.key($1.username ?? ""))
        }
        return (named, people.count - named.count)
    }

    var peopleCount: Int { state.withLockedValue { $0.people.count } }

    /// The figures most recently announced to the room (nil before the first tick).
    var lastViewers: ChatFrame.Viewers? { state.withLockedValue { $0.lastAnnounced } }

    /// The `viewers` frame to send when the figures changed since the last one, else nil.
    func viewersAnnouncement(count: Int) -> ChatFrame.Viewers? {
        state.withLockedValue { state in
            let frame = ChatFrame.Viewers(count: count, chatters: state.people.count)
            guard state.lastAnnounced?.count != frame.count || state.lastAnnounced?.chatters != frame.chatters else { return nil }
            state.lastAnnounced = frame
            return frame
        }
    }

    /// Forgets senders whose pace no longer matters; true when the room is empty and has been
    /// for `idle` seconds, so it can be dropped (its history is in the database).
    func tidy(now: Date = Date(), limits: ChatRateLimits, idle: TimeInterval) -> Bool {
        state.withLockedValue { state in
            let memory = max(limits.window, TimeInterval(state.settings.slowModeSeconds))
            state.paces = state.paces.filter { !$0.value.isIdle(at: now, window: memory) }
            return state.people.isEmpty && now.timeIntervalSince(state.lastTouched) > idle
        }
    }

    func touch() {
        state.withLockedValue { $0.lastTouched = Date() }
    }
}
