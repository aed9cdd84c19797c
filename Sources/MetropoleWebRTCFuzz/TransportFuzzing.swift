// The transport half's fuzz entry points: STUN, SDP offers, DTLS records into a server
// endpoint, and the demux with a session behind it. Each takes arbitrary bytes and must
// return without trapping, leaking or hanging.
import NIOCore

@testable import MetropoleWebRTC

enum TransportFuzzing {
    static let credentials = ICECredentials(ufrag: "FuzzUfrg", pwd: "FuzzPasswordFuzzPassword")
    static let source = try! SocketAddress(ipAddress: "127.0.0.1", port: 5000)
    // Key generation costs milliseconds: one certificate and context for every input.
    static let context = try! DTLSContext(certificate: DTLSCertificate.generate())
    static let peerFingerprint = CertificateFingerprint(algorithm: "sha-256", bytes: [UInt8](repeating: 0xAB, count: 32))

    /// Parses a STUN message; if it parses, checks its integrity, re-serializes it and lets an
    /// ICE-lite agent answer it.
    static func stun(_ input: ByteBuffer) {
        guard let message = try? STUNMessage.parse(input) else { return }
        _ = message.verifyIntegrity(key: Array(credentials.pwd.utf8))
        _ = message.username
        _ = message.attribute(.xorMappedAddress)?.xorMappedAddress(transactionID: message.transactionID)
        _ = message.attribute(.errorCode)?.errorCode
        _ = message.serialized(integrityKey: [1, 2, 3])
        var agent = ICELiteAgent(local: credentials, remoteUfrag: "peer")
        _ = agent.handle(message, from: source)
    }

    /// Parses the bytes as an SDP offer and, if it is one we take, writes the answer.
    static func sdp(_ input: ByteBuffer) {
        let text = String(decoding: input.readableBytesView, as: UTF8.self)
        guard let offer = try? WHIPOffer.parse(text) else { return }
        let answer = WHIPAnswer(
            iceUfrag: credentials.ufrag, icePwd: credentials.pwd, fingerprint: peerFingerprint,
            candidateAddress: "127.0.0.1", candidatePort: 5000, sessionID: 1
        )
        _ = answer.sdp(answering: offer)
    }

    /// Feeds datagrams to a fresh DTLS server: the input is split into datagrams, each
    /// prefixed by a 16-bit length; a timeout is handled after each one.
    static func dtlsServer(_ input: ByteBuffer) {
        guard let endpoint = try? DTLSEndpoint(context: context, role: .server, peerFingerprint: peerFingerprint) else { return }
        var input = input
        while let datagram = nextDatagram(&input) {
            _ = endpoint.receive(datagram)
            _ = endpoint.handleTimeout()
        }
        _ = endpoint.close()
    }

    /// Classifies datagrams (RFC 7983), routes them through the mux and hands them to a session
    /// whose publisher address is already trusted, so STUN, DTLS, SRTP and SRTCP paths all run.
    static func demux(_ input: ByteBuffer) {
        guard let dtls = try? DTLSEndpoint(context: context, role: .server, peerFingerprint: peerFingerprint),
              let offer = fuzzOffer else { return }
        let now = NIODeadline.now()
        var machine = WHIPSessionStateMachine(
            offer: offer, credentials: credentials, dtls: dtls, timeouts: .init(consent: .seconds(30), connect: .seconds(15)), now: now
        )
        var mux = UDPMux<Int>()
        mux.register(ufrag: credentials.ufrag, for: 1)
        let check = STUNMessage(type: .bindingRequest, transactionID: .random(), attributes: [.username("\(credentials.ufrag):\(offer.iceUfrag)")])
        let trusted = check.serialized(integrityKey: Array(credentials.pwd.utf8))
        _ = machine.receive(trusted, kind: .stun, stun: try? STUNMessage.parse(trusted), from: source, now: now)
        mux.bind(source, to: 1)
        var input = input
        while let datagram = nextDatagram(&input) {
            let kind = PacketKind.classify(datagram)
            let stun = kind == .stun ? try? STUNMessage.parse(datagram) : nil
            guard mux.route(from: source, stun: stun) != nil else { continue }
            if kind == .rtp || kind == .rtcp {
                _ = machine.unprotect(datagram, isRTCP: kind == .rtcp, from: source, now: now)
            } else {
                _ = machine.receive(datagram, kind: kind, stun: stun, from: source, now: now)
            }
        }
        _ = machine.tick(now: now + .seconds(1))
        _ = machine.close(.shutdown)
    }

    static let fuzzOffer: WHIPOffer? = try? WHIPOffer.parse("""
        v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\na=group:BUNDLE 0\r\n\
        m=video 9 UDP/TLS/RTP/SAVPF 96\r\nc=IN IP4 0.0.0.0\r\na=mid:0\r\na=sendonly\r\na=rtcp-mux\r\n\
        a=ice-ufrag:peer\r\na=ice-pwd:peerpasswordpeerpassword\r\na=setup:actpass\r\n\
        a=fingerprint:sha-256 \([UInt8](repeating: 0xAB, count: 32).map { _ in "AB" }.joined(separator: ":"))\r\n\
        a=rtpmap:96 H264/90000\r\na=fmtp:96 packetization-mode=1\r\n
        """)

    private static func nextDatagram(_ input: inout ByteBuffer) -> ByteBuffer? {
        guard let length = input.readInteger(as: UInt16.self) else { return nil }
        return input.readSlice(length: min(Int(length), input.readableBytes))
    }
}
