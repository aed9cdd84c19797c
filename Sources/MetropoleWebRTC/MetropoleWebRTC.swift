/// MetropoleWebRTC takes WebRTC ingest (WHIP, RFC 9725) on one UDP port: SDP offers and
/// answers, STUN and ICE-lite, DTLS-SRTP through the system OpenSSL, and the per-session
/// media path into `LiveHub`, the same hubs RTMP feeds. It imports SwiftNIO, swift-log,
/// MetropoleMedia and OpenSSL; never Vapor, Fluent or Foundation. The HTTP side of WHIP is
/// the app's: it calls `WebRTCIngestServer.publish(offer:streamKey:remoteAddress:)` and `end`.
