import COpenSSL
import COpenSSLShim
import NIOCore

/// Which end of the DTLS handshake we are: the server unless the offer said `setup:passive`.
public typealias DTLSRole = SRTPKeyingMaterial.Role

public enum DTLSAction: Sendable, Equatable {
    /// One datagram for the peer (a record or a flight's worth of records, never split).
    case send(ByteBuffer)
    /// Handshake done and the peer's certificate matched its fingerprint: the exported SRTP
    /// keys (RFC 5764 §4.2), to be used with this endpoint's `role`.
    case connected(SRTPKeyingMaterial)
    /// The peer sent close_notify.
    case closed
    case failed(DTLSError)
}

/// One DTLS 1.2 association over datagrams we carry ourselves: feed it what arrives,
/// send what it returns. OpenSSL reads from a memory BIO one datagram at a time and writes
/// into a BIO that keeps each write as its own datagram, with an MTU of 1200 so a flight never
/// needs IP fragmentation. The retransmission timer is OpenSSL's; the owner calls
/// `handleTimeout()` when `retransmissionTimeout` elapses.
///
/// Confined to one thread (the session's event loop). Any input, however malformed, ends in
/// actions: OpenSSL discards bad records itself (RFC 6347 §4.1.2.7), and a broken handshake is
/// `.failed`.
public final class DTLSEndpoint {
    public enum State: Equatable {
        case handshaking
        case connected
        case closed
        case failed
    }

    public static let mtu = 1200
    /// Bound on what one call may queue for sending: a flight is a few kilobytes.
    static let outputLimit = 64 * 1024

    public let role: DTLSRole
    public private(set) var state: State = .handshaking
    private let expectedFingerprint: CertificateFingerprint
    private let ssl: OpaquePointer
    private let input: OpaquePointer
    private let output: OpaquePointer
    // Keeps the context alive as long as the SSL that points into it.
    private let context: DTLSContext

    init(context: DTLSContext, role: DTLSRole, peerFingerprint: CertificateFingerprint) throws(DTLSError) {
        guard let ssl = SSL_new(context.context) else { throw .setup("SSL_new: \(takeOpenSSLError("out of memory"))") }
        guard let input = mtp_memory_bio_new(), let output = mtp_datagram_bio_new(Self.outputLimit) else {
            SSL_free(ssl)
            throw .setup("could not create DTLS BIOs")
        }
        // SSL_free frees both BIOs from here on.
        SSL_set_bio(ssl, input, output)
        mtp_ssl_set_mtu(ssl, Self.mtu)
        switch role {
        case .server: SSL_set_accept_state(ssl)
        case .client: SSL_set_connect_state(ssl)
        }
        self.ssl = ssl
        self.input = input
        self.output = output
        self.context = context
        self.role = role
        self.expectedFingerprint = peerFingerprint
    }

    deinit {
        SSL_free(ssl)
    }

    /// As client, the ClientHello; as server, nothing (we wait for the peer's).
    public func start() -> [DTLSAction] {
        guard role == .client, state == .handshaking else { return [] }
        return advance()
    }

    public func receive(_ datagram: ByteBuffer) -> [DTLSAction] {
        guard state == .handshaking || state == .connected, datagram.readableBytes > 0 else { return [] }
        let written = datagram.withUnsafeReadableBytes { BIO_write(input, $0.baseAddress, Int32($0.count)) }
        guard written == datagram.readableBytes else { return fail(.handshake("could not buffer a datagram")) }
        return advance()
    }

    /// Milliseconds until OpenSSL wants `handleTimeout()`, or nil when no timer runs.
    public var retransmissionTimeout: Int64? {
        guard state == .handshaking else { return nil }
        var milliseconds: Int64 = 0
        return mtp_dtls_get_timeout(ssl, &milliseconds) == 1 ? milliseconds : nil
    }

    /// Retransmits the last flight if its timer expired; fails once OpenSSL gives up.
    public func handleTimeout() -> [DTLSAction] {
        guard state == .handshaking else { return [] }
        if mtp_dtls_handle_timeout(ssl) < 0 {
            return drain() + fail(.timedOut)
        }
        return drain()
    }

    /// Sends close_notify; nothing more is accepted.
    public func close() -> [DTLSAction] {
        guard state == .connected || state == .handshaking else { return [] }
        let wasConnected = state == .connected
        state = .closed
        if wasConnected { SSL_shutdown(ssl) }
        ERR_clear_error()
        return drain()
    }

    // MARK: - Driving OpenSSL

    private func advance() -> [DTLSAction] {
        if state == .handshaking {
            let result = SSL_do_handshake(ssl)
            if result == 1 {
                var actions = drain()
                actions += finishHandshake()
                // Records that came with the last flight (rare) are read below.
                if state == .connected { actions += readRecords() }
                return actions
            }
            let error = SSL_get_error(ssl, result)
            switch error {
            case SSL_ERROR_WANT_READ, SSL_ERROR_WANT_WRITE:
                ERR_clear_error()
                return drain()
            default:
                // The alert OpenSSL queued for the peer goes out before we give up.
                return drain() + fail(.handshake(takeOpenSSLError("SSL_do_handshake error \(error)")))
            }
        }
        return readRecords()
    }

    /// After the handshake only alerts and retransmitted handshake records arrive: there is
    /// no application data in WebRTC media sessions, so whatever decrypts is dropped.
    private func readRecords() -> [DTLSAction] {
        var scratch = [UInt8](repeating: 0, count: 2048)
        while state == .connected {
            let result = scratch.withUnsafeMutableBytes { SSL_read(ssl, $0.baseAddress, Int32($0.count)) }
            if result > 0 { continue }
            let error = SSL_get_error(ssl, result)
            ERR_clear_error()
            if error == SSL_ERROR_WANT_READ || error == SSL_ERROR_WANT_WRITE { break }
            // close_notify (ZERO_RETURN), a fatal alert from the peer, or a broken state:
            // either way the association is over.
            state = .closed
            return drain() + [.closed]
        }
        return drain()
    }

    private func finishHandshake() -> [DTLSAction] {
        guard let peer = SSL_get1_peer_certificate(ssl) else {
            return fail(.fingerprintMismatch(expected: expectedFingerprint, actual: nil))
        }
        defer { X509_free(peer) }
        let actual = DTLSCertificate.fingerprint(of: peer)
        guard actual == expectedFingerprint else {
            return fail(.fingerprintMismatch(expected: expectedFingerprint, actual: actual))
        }
        guard let selected = SSL_get_selected_srtp_profile(ssl),
              let profile = SRTPProtectionProfile(rawValue: UInt16(truncatingIfNeeded: selected.pointee.id)) else {
            return fail(.noSRTPProfile)
        }
        var exported = [UInt8](repeating: 0, count: profile.keyingMaterialLength)
        let label = "EXTRACTOR-dtls_srtp"
        let status = exported.withUnsafeMutableBufferPointer { out in
            SSL_export_keying_material(ssl, out.baseAddress, out.count, label, label.utf8.count, nil, 0, 0)
        }
        guard status == 1, let keys = try? SRTPKeyingMaterial(profile: profile, exported: exported) else {
            return fail(.handshake("keying material export failed: \(takeOpenSSLError("unknown"))"))
        }
        state = .connected
        return [.connected(keys)]
    }

    private func fail(_ error: DTLSError) -> [DTLSAction] {
        state = .failed
        ERR_clear_error()
        return [.failed(error)]
    }

    /// Takes what OpenSSL wrote, one datagram per BIO write.
    private func drain() -> [DTLSAction] {
        let count = mtp_datagram_bio_count(output)
        guard count > 0 else { return [] }
        var actions: [DTLSAction] = []
        actions.reserveCapacity(count)
        for index in 0..<count {
            var length = 0
            guard let bytes = mtp_datagram_bio_datagram(output, index, &length) else { continue }
            actions.append(.send(ByteBuffer(bytes: UnsafeRawBufferPointer(start: bytes, count: length))))
        }
        mtp_datagram_bio_clear(output)
        return actions
    }
}
