import MetropoleMedia

/// What the app answers when a publisher's stream key is valid.
public struct IngestGrant: Sendable, Equatable {
    /// The app's id for the stream (e.g. the channel's username); names the `LiveHub`.
    public var streamID: String

    public init(streamID: String) {
        self.streamID = streamID
    }
}

/// Decides whether a publisher may go live. Returning nil refuses the stream key: the
/// publisher gets `NetStream.Publish.BadName` and is disconnected.
public protocol IngestAuthorizer: Sendable {
    func authorize(app: String, streamKey: String) async -> IngestGrant?
}

/// Learns when streams go live and end. For one connection, `unpublished` always follows its
/// `published`; when a publisher takes over a stream, the old hub's `unpublished` comes before
/// the new hub's `published`.
public protocol LiveEventSink: Sendable {
    /// Publishing was accepted and the publisher sent its first metadata or media; media
    /// flows into `hub`.
    func published(streamID: String, hub: LiveHub, metadata: PublishMetadata) async
    /// That publisher is gone: clean unpublish, reset, timeout, takeover or disconnect.
    func unpublished(streamID: String, hub: LiveHub) async
}
