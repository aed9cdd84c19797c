import NIOCore

/// One WHIP session's transport: ICE-lite checks, the DTLS handshake and SRTP, from the first
/// Binding request to the end. Fed datagrams the mux routed to it and clock ticks; returns
/// what to send and which addresses to bind, and decrypts SRTP/SRTCP. It sends nothing itself
/// and knows no sockets.
struct WHIPSessionStateMachine {
    enum Phase: Equatable {
        /// Answer sent, no authenticated Binding request yet.
        case waitingForICE
        /// An address is trusted; DTLS is under way.
        case handshaking
        /// SRTP keys are in place.
        case connected
        case ended
    }

    enum Action {
        case send(ByteBuffer, to: SocketAddress)
        /// Route this address to the session from now on.
        case bind(SocketAddress)
        case connected(SRTPProtectionProfile)
        case end(WHIPEndReason)
    }

    struct Timeouts {
        var consent: TimeAmount
        var connect: TimeAmount
    }

    let offer: WHIPOffer
    private(set) var agent: ICELiteAgent
    private(set) var phase: Phase = .waitingForICE
    let dtls: DTLSEndpoint
    private var inbound: SRTPContext?
    private var outbound: SRTPContext?
    private var dtlsDeadline: NIODeadline?
    private var lastConsent: NIODeadline
    private let createdAt: NIODeadline
    private let timeouts: Timeouts
    /// Packets that failed SRTP authentication or replay checks, for logs.
    private(set) var rejectedPackets = 0

    init(offer: WHIPOffer, credentials: ICECredentials, dtls: DTLSEndpoint, timeouts: Timeouts, now: NIODeadline) {
        self.offer = offer
        self.agent = ICELiteAgent(local: credentials, remoteUfrag: offer.iceUfrag)
        self.dtls = dtls
        self.timeouts = timeouts
        self.createdAt = now
        self.lastConsent = now
    }

    var isLive: Bool { phase == .connected }

    /// STUN and DTLS: the control path, a few datagrams a second.
    mutating func receive(_ datagram: ByteBuffer, kind: PacketKind, stun: STUNMessage?, from source: SocketAddress, now: NIODeadline) -> [Action] {
        guard phase != .ended else { return [] }
        switch kind {
        case .stun:
            guard let stun else { return [] }
            return receiveSTUN(stun, from: source, now: now)
        case .dtls:
            // Only STUN may come from an address ICE has not authenticated.
            guard agent.isTrusted(source) else { return [] }
            lastConsent = now
            return perform(dtls.receive(datagram), now: now)
        case .rtp, .rtcp, .unknown:
            return []
        }
    }

    /// SRTP and SRTCP: the media path, every packet. Returns the decrypted packet, or nil for
    /// one from an untrusted address, before keys, or failing authentication or replay checks.
    /// No action list, so a packet costs no allocation here beyond SRTP's own.
    mutating func unprotect(_ datagram: ByteBuffer, isRTCP: Bool, from source: SocketAddress, now: NIODeadline) -> ByteBuffer? {
        guard phase == .connected, agent.isTrusted(source), var context = inbound else { return nil }
        // Taken out while in use, so mutating it does not copy its storage.
        inbound = nil
        defer { inbound = context }
        let packet = isRTCP ? try? context.unprotectRTCP(datagram) : try? context.unprotectRTP(datagram)
        guard let packet else {
            rejectedPackets += 1
            return nil
        }
        lastConsent = now
        return packet
    }

    /// SRTCP-protects `packet` for the publisher; nil before SRTP is up or with nowhere to send.
    mutating func protectRTCP(_ packet: ByteBuffer) -> (ByteBuffer, SocketAddress)? {
        guard var context = outbound, let destination = agent.selected else { return nil }
        outbound = nil
        defer { outbound = context }
        guard let protected = try? context.protectRTCP(packet) else { return nil }
        return (protected, destination)
    }

    mutating func tick(now: NIODeadline) -> [Action] {
        guard phase != .ended else { return [] }
        if phase != .connected, now - createdAt > timeouts.connect {
            return end(.notConnected)
        }
        if now - lastConsent > timeouts.consent {
            return end(.consentExpired)
        }
        guard let deadline = dtlsDeadline, now >= deadline else { return [] }
        dtlsDeadline = nil
        return perform(dtls.handleTimeout(), now: now)
    }

    /// Ends the session from our side, telling the publisher with close_notify.
    mutating func close(_ reason: WHIPEndReason) -> [Action] {
        guard phase != .ended else { return [] }
        let goodbye = sends(dtls.close())
        phase = .ended
        return goodbye + [.end(reason)]
    }

    // MARK: - Internals

    private mutating func receiveSTUN(_ message: STUNMessage, from source: SocketAddress, now: NIODeadline) -> [Action] {
        switch agent.handle(message, from: source) {
        case .ignore:
            return []
        case .reject(let reply, _):
            return [.send(reply, to: source)]
        case .accept(let reply, _):
            lastConsent = now
            var actions: [Action] = [.send(reply, to: source), .bind(source)]
            if phase == .waitingForICE {
                phase = .handshaking
                // FFmpeg offered setup:passive: it waits for our ClientHello.
                actions += perform(dtls.start(), now: now)
            }
            return actions
        }
    }

    private mutating func perform(_ dtlsActions: [DTLSAction], now: NIODeadline) -> [Action] {
        var actions: [Action] = []
        for action in dtlsActions {
            switch action {
            case .send(let datagram):
                if let destination = agent.selected { actions.append(.send(datagram, to: destination)) }
            case .connected(let keys):
                guard let contexts = try? keys.contexts(localRole: dtls.role) else {
                    return actions + end(.dtlsFailed(.handshake("SRTP keys did not fit \(keys.profile)")))
                }
                inbound = contexts.inbound
                outbound = contexts.outbound
                phase = .connected
                actions.append(.connected(keys.profile))
            case .closed:
                return actions + end(.closedByPeer)
            case .failed(let error):
                return actions + end(.dtlsFailed(error))
            }
        }
        if let milliseconds = dtls.retransmissionTimeout {
            dtlsDeadline = now + .milliseconds(milliseconds)
        } else {
            dtlsDeadline = nil
        }
        return actions
    }

    private mutating func end(_ reason: WHIPEndReason) -> [Action] {
        phase = .ended
        return [.end(reason)]
    }

    private func sends(_ dtlsActions: [DTLSAction]) -> [Action] {
        guard let destination = agent.selected else { return [] }
        return dtlsActions.compactMap { action in
            if case .send(let datagram) = action { .send(datagram, to: destination) } else { nil }
        }
    }
}
