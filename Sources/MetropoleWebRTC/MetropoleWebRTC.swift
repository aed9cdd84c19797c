/// MetropoleWebRTC owns WebRTC ingest (WHIP): SDP, STUN/ICE-lite, DTLS-SRTP, SRTP/SRTCP,
/// RTP/RTCP, the H.264 and Opus depacketizers and the media receiver that turns RTP into
/// `MediaFrame`s for `LiveHub`. Parsers are pure values over `ByteBuffer`; state machines
/// (`MediaReceiver`, sessions) return actions, and the UDP handler that owns sockets and
/// clocks carries them out.
///
/// It imports NIOCore, swift-crypto and MetropoleMedia: never Vapor, Fluent or Foundation on
/// the packet path.
