/// MetropoleRTMP owns RTMP ingest: the handshake, the chunk stream, AMF0, the publish session
/// state machine, FLV tag parsing into `MediaFrame`s and the RTMP listener (`RTMPServer`).
///
/// It imports NIOCore, NIOPosix, Logging and MetropoleMedia only: never Vapor or Fluent. The app
/// talks to it through `IngestAuthorizer` and `LiveEventSink`.
///
/// Decisions worth knowing:
/// - Handshake: the simple (version 3) scheme. S2 echoes C1, so publishers that send a digest
///   C1 (ffmpeg, OBS) are served as the spec allows; they only check digests when playing.
/// - Applications: only names in `RTMPServer.Configuration.applications` (default `live`) are
///   accepted at `connect`; any other is rejected with `NetConnection.Connect.Rejected`.
/// - Playback over RTMP is refused (`NetStream.Play.Failed`): viewers use LL-HLS or WebSocket.
/// - Timestamps keep the publisher's timeline, unwrapped to 64 bits across the 32-bit wrap.
