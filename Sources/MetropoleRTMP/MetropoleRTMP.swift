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
/// - Limits against hostile peers: 8 MiB per message (configurable), 16 chunk streams, at most
///   256 KiB reserved ahead of a message's bytes, AMF0 nesting depth 32; any violation closes
///   only that connection.
/// - Timeouts: handshake 5 s; before publishing, 10 s with nothing received; while
///   publishing, 10 s without audio or video.
/// - While publishing, SO_RCVLOWAT batches reads by up to 100 ms of media
///   (`receiveBatchingDelay`): wake-ups are most of the ingest CPU.
