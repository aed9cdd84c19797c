import Vapor

extension Application {
    private struct ConfigurationKey: StorageKey { typealias Value = AppConfiguration }
    private struct LoginThrottleKey: StorageKey { typealias Value = LoginThrottle }
    private struct DummyHashKey: StorageKey { typealias Value = String }
    private struct AssetsKey: StorageKey { typealias Value = AssetCatalog }
    private struct WebSocketsKey: StorageKey { typealias Value = WebSocketRegistry }

    var metropole: AppConfiguration {
        get { storage[ConfigurationKey.self]! }
        set { storage[ConfigurationKey.self] = newValue }
    }

    var loginThrottle: LoginThrottle {
        get { storage[LoginThrottleKey.self]! }
        set { storage[LoginThrottleKey.self] = newValue }
    }

    /// A hash of nothing anyone knows, verified against when a username does not exist so a
    /// failed sign-in costs the same either way.
    var dummyPasswordHash: String {
        get { storage[DummyHashKey.self]! }
        set { storage[DummyHashKey.self] = newValue }
    }

    var assets: AssetCatalog {
        get { storage[AssetsKey.self]! }
        set { storage[AssetsKey.self] = newValue }
    }

    /// Every open WebSocket (chat, player), for the keepalive and counts.
    var webSockets: WebSocketRegistry {
        get { storage[WebSocketsKey.self]! }
        set { storage[WebSocketsKey.self] = newValue }
    }
}
