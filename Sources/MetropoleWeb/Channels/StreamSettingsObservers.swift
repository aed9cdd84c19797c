import NIOConcurrencyHelpers
import Vapor

/// Who needs to hear that a stream's settings changed (open chats apply them at once).
final class StreamSettingsObservers: Sendable {
    typealias Observer = @Sendable (Stream) -> Void
    private let observers = NIOLockedValueBox([Observer]())

    func register(_ observer: @escaping Observer) {
        observers.withLockedValue { $0.append(observer) }
    }

    func notify(_ stream: Stream) {
        for observer in observers.withLockedValue({ $0 }) { observer(stream) }
    }
}

extension Application {
    private struct StreamSettingsObserversKey: StorageKey { typealias Value = StreamSettingsObservers }

    var streamSettingsObservers: StreamSettingsObservers {
        get { storage[StreamSettingsObserversKey.self]! }
        set { storage[StreamSettingsObserversKey.self] = newValue }
    }

}
