import NIOCore

/// What happens to a reader that stops keeping up, on every push connection (chat and player
/// WebSockets, event streams): its unsent bytes are bounded by the socket's write-buffer water
/// mark, and a connection that stays unwritable past `grace` is closed (`tooSlow`), never
/// buffered without bound. The client reconnects and starts from now.
struct SlowReaderPolicy: Sendable {
    var waterMark: ChannelOptions.Types.WriteBufferWaterMark
    /// How long a connection may stay over the high mark. Zero: at the first write that finds
    /// it so (chat, where every frame is small and a backlog only grows).
    var grace: TimeAmount

    /// Chat frames and page events: a quarter MiB behind is far behind.
    static let chat = SlowReaderPolicy(waterMark: .init(low: 64 * 1024, high: 256 * 1024), grace: .zero)
    static let events = chat
    /// Video: a keyframe's fragments alone can pass the mark, so the player waits for the socket
    /// to drain (the hub queues, and drops a viewer too far behind) and gives up after 10 s.
    static let player = SlowReaderPolicy(waterMark: .init(low: 256 * 1024, high: 1024 * 1024), grace: .seconds(10))
}
