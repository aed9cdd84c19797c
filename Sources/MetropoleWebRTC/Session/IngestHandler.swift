import Logging
import MetropoleMedia
import NIOCore

/// What every session of one server shares.
struct IngestEnvironment: Sendable {
    var configuration: WebRTCIngestServer.Configuration
    var context: DTLSContext
    var sink: any LiveEventSink
    var logger: Logger
    /// Sees every decrypted RTP packet, and every track and frame handed to a hub; tests watch
    /// ingest with it.
    var tap: (@Sendable (_ streamID: String, _ event: IngestTapEvent) -> Void)?
}

/// What `IngestEnvironment.tap` sees.
enum IngestTapEvent: Sendable {
    case rtp(ByteBuffer)
    case track(TrackConfig)
    case frame(MediaFrame)
}

/// The one handler on the UDP channel: demultiplexes datagrams to sessions (RFC 7983, then
/// `UDPMux`), carries out what each `WHIPSessionStateMachine` decides, owns the hubs and the
/// sink notifications, and ticks every session's clock. Everything here runs on the channel's
/// event loop; the server reaches in only through `eventLoop.submit`.
final class IngestHandler: ChannelInboundHandler {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>
    typealias OutboundOut = AddressedEnvelope<ByteBuffer>

    private let environment: IngestEnvironment
    private var logger: Logger
    private var context: ChannelHandlerContext?
    private var sessions: [String: IngestSession] = [:]
    private var mux = UDPMux<String>()
    /// The live session of each stream: the one whose hub the app holds.
    private var liveSessions: [String: String] = [:]
    private var sinkQueue = SinkQueue()
    /// Sessions already removed whose `unpublished` has not reached the sink yet.
    private var ending: [String: EventLoopFuture<Void>] = [:]
    private var ticker: RepeatedTask?
    /// The next paced read (`receiveBatchingDelay`), while one is scheduled.
    private var nextRead: Scheduled<Void>?
    private var pendingWrites = false
    private var isShutDown = false

    init(environment: IngestEnvironment) {
        self.environment = environment
        self.logger = environment.logger
    }

    // MARK: - Channel events

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        let interval = environment.configuration.tickInterval
        let bound = NIOLoopBound(self, eventLoop: context.eventLoop)
        ticker = context.eventLoop.scheduleRepeatedTask(initialDelay: interval, delay: interval) { _ in
            bound.value.tick()
        }
    }

    func channelActive(context: ChannelHandlerContext) {
        if environment.configuration.receiveBatchingDelay != .zero { context.read() }
        context.fireChannelActive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        ticker?.cancel()
        ticker = nil
        nextRead?.cancel()
        nextRead = nil
        for session in Array(sessions.values) {
            finish(session, reason: .shutdown)
        }
        self.context = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let envelope = unwrapInboundIn(data)
        let datagram = envelope.data
        guard datagram.readableBytes <= environment.configuration.maxDatagramSize else { return }
        let kind = PacketKind.classify(datagram)
        let stun = kind == .stun ? try? STUNMessage.parse(datagram) : nil
        guard let id = mux.route(from: envelope.remoteAddress, stun: stun), let session = sessions[id] else { return }
        let now = NIODeadline.now()
        switch kind {
        case .rtp, .rtcp:
            guard let packet = session.machine.unprotect(datagram, isRTCP: kind == .rtcp, from: envelope.remoteAddress, now: now) else { return }
            if kind == .rtp {
                received(rtp: packet, for: session, at: now)
            } else {
                perform(session.receiver.receiveRTCP(packet, at: now), for: session)
            }
        case .stun, .dtls, .unknown:
            perform(session.machine.receive(datagram, kind: kind, stun: stun, from: envelope.remoteAddress, now: now), for: session)
        }
    }

    private func received(rtp packet: ByteBuffer, for session: IngestSession, at now: NIODeadline) {
        session.rtpPackets += 1
        if session.hub == nil { announce(session) }
        environment.tap?(session.streamID, .rtp(packet))
        perform(session.receiver.receiveRTP(packet, at: now), for: session)
    }

    /// Tracks and frames into the hub; RTCP, protected, to the publisher.
    private func perform(_ actions: [MediaReceiverAction], for session: IngestSession) {
        for action in actions {
            switch action {
            case .track(let config):
                session.hub?.setTrack(config)
                environment.tap?(session.streamID, .track(config))
            case .frame(let frame):
                session.hub?.ingest(frame)
                environment.tap?(session.streamID, .frame(frame))
            case .sendRTCP(let packet):
                guard let (protected, destination) = session.machine.protectRTCP(packet) else { continue }
                write(protected, to: destination)
            }
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        flushIfNeeded()
        scheduleRead(context: context)
    }

    /// With autoRead off, the socket is read again only `receiveBatchingDelay` after the last
    /// read drained it; what arrives meanwhile waits in the kernel's buffer.
    private func scheduleRead(context: ChannelHandlerContext) {
        let delay = environment.configuration.receiveBatchingDelay
        guard delay != .zero, nextRead == nil, !isShutDown else { return }
        let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        nextRead = context.eventLoop.scheduleTask(in: delay) {
            let (handler, context) = bound.value
            handler.nextRead = nil
            context.read()
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // A UDP socket reports ICMP errors (port unreachable after a publisher quit) here;
        // they concern one peer, never the listener.
        logger.debug("WHIP UDP error: \(error)")
    }

    // MARK: - From the server (on the event loop)

    func open(offer: WHIPOffer, streamID: String, remoteAddress: String?, port: Int) -> Result<WHIPSessionDescription, WHIPError> {
        let configuration = environment.configuration
        guard !isShutDown, context != nil else { return .failure(.unavailable) }
        let pending = sessions.values.filter { !$0.machine.isLive }.count
        guard sessions.count < configuration.maxSessions, pending < configuration.maxPendingSessions else {
            logger.warning("WHIP publish refused: at capacity", metadata: ["sessions": "\(sessions.count)", "pending": "\(pending)"])
            return .failure(.atCapacity)
        }
        let role: DTLSRole = offer.isDTLSClient ? .client : .server
        let endpoint: DTLSEndpoint
        do {
            endpoint = try DTLSEndpoint(context: environment.context, role: role, peerFingerprint: offer.fingerprint)
        } catch {
            logger.error("WHIP session could not be set up: \(error)")
            return .failure(.unavailable)
        }
        var credentials = ICECredentials.random()
        while sessions.values.contains(where: { $0.machine.agent.local.ufrag == credentials.ufrag }) {
            credentials = ICECredentials.random()
        }
        let id = IngestSession.makeID()
        let now = NIODeadline.now()
        let machine = WHIPSessionStateMachine(
            offer: offer, credentials: credentials, dtls: endpoint,
            timeouts: .init(consent: configuration.consentTimeout, connect: configuration.connectTimeout), now: now
        )
        let session = IngestSession(
            id: id, streamID: streamID, remoteAddress: remoteAddress, machine: machine, ended: context!.eventLoop.makePromise()
        )
        sessions[id] = session
        mux.register(ufrag: credentials.ufrag, for: id)
        let answer = WHIPAnswer(
            iceUfrag: credentials.ufrag, icePwd: credentials.pwd, fingerprint: environment.context.certificate.fingerprint,
            candidateAddress: configuration.advertisedAddress, candidatePort: port,
            sessionID: UInt64.random(in: 1..<(1 << 62))
        )
        logger.info("WHIP session opened", metadata: [
            "whip.session": "\(id)", "stream": "\(streamID)", "dtls": "\(role)",
            "video": "\(offer.video.map { "H264/\($0.payloadType)" } ?? "none")",
            "audio": "\(offer.audio.map { "opus/\($0.payloadType)" } ?? "none")",
        ])
        return .success(WHIPSessionDescription(answer: answer.sdp(answering: offer), sessionID: id, streamID: streamID))
    }

    /// Ends one session from our side; the future completes after its `unpublished`.
    func end(sessionID: String, reason: WHIPEndReason) -> EventLoopFuture<Void>? {
        guard let session = sessions[sessionID] else { return nil }
        close(session, reason: reason)
        return session.ended.futureResult
    }

    func hasSession(_ sessionID: String) -> Bool {
        sessions[sessionID] != nil
    }

    /// Ends every session of `streamID`, live or still connecting.
    func end(streamID: String, reason: WHIPEndReason) -> [EventLoopFuture<Void>] {
        sessions.values.filter { $0.streamID == streamID }.map { session in
            close(session, reason: reason)
            return session.ended.futureResult
        }
    }

    /// Refuses new sessions and ends every one; the futures complete after each `unpublished`
    /// (including those of sessions that ended just before).
    func shutDown() -> [EventLoopFuture<Void>] {
        isShutDown = true
        for session in Array(sessions.values) {
            close(session, reason: .shutdown)
        }
        return Array(ending.values)
    }

    func session(_ id: String) -> IngestSession? {
        sessions[id]
    }

    // MARK: - Actions

    private func perform(_ actions: [WHIPSessionStateMachine.Action], for session: IngestSession) {
        for action in actions {
            switch action {
            case .send(let datagram, let destination):
                write(datagram, to: destination)
            case .bind(let address):
                mux.bind(address, to: session.id)
            case .connected(let profile):
                logger.info("WHIP DTLS connected", metadata: ["whip.session": "\(session.id)", "srtp": "\(profile)"])
            case .end(let reason):
                finish(session, reason: reason)
            }
        }
    }

    private func write(_ datagram: ByteBuffer, to destination: SocketAddress) {
        guard let context else { return }
        context.write(wrapOutboundOut(AddressedEnvelope(remoteAddress: destination, data: datagram)), promise: nil)
        pendingWrites = true
    }

    private func flushIfNeeded() {
        guard pendingWrites, let context else { return }
        pendingWrites = false
        context.flush()
    }

    private func tick() {
        let now = NIODeadline.now()
        for session in Array(sessions.values) {
            perform(session.machine.tick(now: now), for: session)
            if session.hub != nil, sessions[session.id] != nil {
                perform(session.receiver.tick(at: now), for: session)
            }
        }
        flushIfNeeded()
    }

    private func close(_ session: IngestSession, reason: WHIPEndReason) {
        perform(session.machine.close(reason), for: session)
        flushIfNeeded()
    }

    /// First media of a session: it takes the stream over from whoever had it (their
    /// `unpublished` is queued first), gets a hub, and the app hears `published`.
    private func announce(_ session: IngestSession) {
        if let previousID = liveSessions[session.streamID], previousID != session.id, let previous = sessions[previousID] {
            logger.info("WHIP session takes over the stream", metadata: ["whip.session": "\(session.id)", "previous": "\(previousID)"])
            close(previous, reason: .takenOver)
        }
        var hubConfiguration = environment.configuration.hub
        if let sink = environment.configuration.segmentSink { hubConfiguration.onSegment = sink(session.streamID) }
        let hub = LiveHub(name: session.streamID, configuration: hubConfiguration)
        session.hub = hub
        liveSessions[session.streamID] = session.id
        var metadata = PublishMetadata(ingestProtocol: .whip, app: "whip", remoteAddress: session.remoteAddress)
        metadata.audioChannels = session.machine.offer.audio?.channels
        if session.machine.offer.audio != nil { metadata.audioSampleRate = 48000 }
        let (sink, streamID, announced) = (environment.sink, session.streamID, metadata)
        sinkQueue.enqueue { await sink.published(streamID: streamID, hub: hub, metadata: announced) }
        logger.info("WHIP stream live", metadata: ["whip.session": "\(session.id)", "stream": "\(streamID)"])
    }

    private func finish(_ session: IngestSession, reason: WHIPEndReason) {
        guard sessions.removeValue(forKey: session.id) != nil else { return }
        mux.remove(session.id, ufrag: session.machine.agent.local.ufrag)
        if liveSessions[session.streamID] == session.id { liveSessions[session.streamID] = nil }
        if let hub = session.hub {
            hub.finish()
            let (sink, streamID) = (environment.sink, session.streamID)
            sinkQueue.enqueue { await sink.unpublished(streamID: streamID, hub: hub) }
        }
        if session.hub == nil {
            session.ended.succeed(())
        } else {
            let drained = sinkQueue.drained
            session.ended.completeWithTask { await drained?.value }
            ending[session.id] = session.ended.futureResult
            let bound = NIOLoopBound(self, eventLoop: session.ended.futureResult.eventLoop)
            session.ended.futureResult.whenComplete { [id = session.id] _ in bound.value.ending[id] = nil }
        }
        logger.info("WHIP session ended: \(reason)", metadata: [
            "whip.session": "\(session.id)", "stream": "\(session.streamID)",
            "rtp": "\(session.rtpPackets)", "rejected": "\(session.machine.rejectedPackets)",
            "media": "\(session.receiver.stats)",
        ])
    }
}
