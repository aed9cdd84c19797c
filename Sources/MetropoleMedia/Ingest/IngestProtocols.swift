/// How ingest protocols (RTMP, WHIP) talk to the app without knowing it: a stream key is
/// authorized, then the stream's life is reported. Both protocols feed the same `LiveHub`, so
/// a viewer cannot tell which one the creator used.

/// The protocol a publisher went live with.
public enum IngestProtocol: String, Sendable, Hashable, CaseIterable {
    case rtmp
    case whip
}

/// What the app answers when a publisher's stream key is valid.
public struct IngestGrant: Sendable, Equatable {
    /// The app's id for the stream (e.g. the channel's username); names the `LiveHub`.
    public var streamID: String

    public init(streamID: String) {
        self.streamID = streamID
    }
}

/// Decides whether a publisher may go live. Returning nil refuses the stream key: the
/// publisher is told so (RTMP `NetStream.Publish.BadName`, WHIP 401) and disconnected.
public protocol IngestAuthorizer: Sendable {
    func authorize(app: String, streamKey: String) async -> IngestGrant?
}

/// Learns when streams go live and end. For one publisher, `unpublished` always follows its
/// `published`; when a publisher takes over a stream, the old hub's `unpublished` comes before
/// the new hub's `published`.
public protocol LiveEventSink: Sendable {
    /// Publishing was accepted and the publisher sent its first metadata or media; media
    /// flows into `hub`.
    func published(streamID: String, hub: LiveHub, metadata: PublishMetadata) async
    /// That publisher is gone: clean unpublish, reset, timeout, takeover or disconnect.
    func unpublished(streamID: String, hub: LiveHub) async
}
