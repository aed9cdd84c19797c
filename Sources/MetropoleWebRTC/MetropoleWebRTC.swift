/// MetropoleWebRTC owns WebRTC ingest (WHIP, RFC 9725) on one UDP port: SDP offers and
/// answers, STUN/ICE-lite, DTLS-SRTP through the system OpenSSL, SRTP/SRTCP, RTP/RTCP, the
/// H.264 and Opus depacketizers and the media receiver that turns RTP into `MediaFrame`s for
/// `LiveHub`, the same hubs RTMP feeds. Parsers are pure values over `ByteBuffer`; state
/// machines (`MediaReceiver`, sessions) return actions, and the UDP handler that owns sockets
/// and clocks carries them out. The HTTP side of WHIP is the app's: it calls
/// `WebRTCIngestServer.publish(offer:streamKey:remoteAddress:)` and `end(sessionID:)`.
///
/// It imports SwiftNIO, swift-log, swift-crypto, the system OpenSSL and MetropoleMedia: never
/// Vapor, Fluent or Foundation on the packet path.
