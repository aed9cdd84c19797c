import Logging
import MetropoleMedia
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// WebRTC ingest on one UDP port: the app's WHIP endpoint hands offers to `publish`, answers
/// with what it returns, and calls `end` on DELETE. Publishers then reach this port with
/// STUN, DTLS and SRTP; each accepted stream feeds its own `LiveHub`, as RTMP's do.
///
/// **Takeover** (decision 0028): a second session for a stream that already has a live one
/// takes the stream over when its first media arrives; the older session is closed and its
/// `unpublished` reaches the sink before the newer one's `published`. A second POST that never
/// connects leaves the live stream alone (it expires as not connected).
public final class WebRTCIngestServer: Sendable {
    public struct Configuration: Sendable {
        /// Address to bind; `0.0.0.0` for every interface.
        public var host: String
        /// UDP port; 0 picks a free one (`start()` returns it).
        public var port: Int
        /// The address put in the answer's host candidate: what publishers can reach. Defaults
        /// to `host`, which must then not be a wildcard.
        public var publicAddress: String?
        /// Sessions at once, connected or not.
        public var maxSessions: Int
        /// Sessions answered but not yet connected (ICE and DTLS): bounds what unanswered POSTs
        /// can hold.
        public var maxPendingSessions: Int
        /// Time allowed from the answer to DTLS connected before the session is dropped.
        public var connectTimeout: TimeAmount
        /// RFC 7675 consent: a session with no authenticated STUN and no valid SRTP for this
        /// long has lost its publisher (libjuice gives up at 30 s, aioice at ~30 s).
        public var consentTimeout: TimeAmount
        /// How often timers run: DTLS retransmission, consent, media receiver ticks.
        public var tickInterval: TimeAmount
        /// Datagrams larger than this are dropped unread (WebRTC stacks send at most ~1200–1500).
        public var maxDatagramSize: Int
        /// SO_RCVBUF asked of the kernel: a keyframe arrives as a burst of packets.
        public var receiveBufferSize: Int
        /// How long datagrams may wait in the kernel between reads, so one wake-up reads every
        /// session's packets of that span (`recvmmsg`) instead of one wake-up per packet: the
        /// same trade as RTMP's `receiveBatchingDelay`. Wake-ups were most of WHIP's ingest
        /// CPU. `.zero` reads each datagram as it comes.
        public var receiveBatchingDelay: TimeAmount
        /// Each stream's hub. A WHIP publisher's first video comes with its first keyframe,
        /// which OBS only sends on its schedule (it ignores PLI): the hub waits that long for
        /// video before deciding a stream is audio-only.
        public var hub: LiveHubConfiguration
        /// Asked once per session that goes live: where its hub hands each completed segment
        /// (`LiveHubConfiguration.onSegment`), e.g. the recording; `nil` records nothing.
        public var segmentSink: (@Sendable (_ streamID: String) -> (@Sendable (CompletedSegment) -> Void)?)?

        public init(
            host: String = "0.0.0.0",
            port: Int = 8189,
            publicAddress: String? = nil,
            maxSessions: Int = 64,
            maxPendingSessions: Int = 16,
            connectTimeout: TimeAmount = .seconds(15),
            consentTimeout: TimeAmount = .seconds(30),
            tickInterval: TimeAmount = .milliseconds(50),
            maxDatagramSize: Int = 2048,
            receiveBufferSize: Int = 4 << 20,
            receiveBatchingDelay: TimeAmount = .milliseconds(20),
            hub: LiveHubConfiguration = LiveHubConfiguration(audioOnlyDecisionDelay: 3000),
            segmentSink: (@Sendable (_ streamID: String) -> (@Sendable (CompletedSegment) -> Void)?)? = nil
        ) {
            self.host = host
            self.port = port
            self.publicAddress = publicAddress
            self.maxSessions = maxSessions
            self.maxPendingSessions = maxPendingSessions
            self.connectTimeout = connectTimeout
            self.consentTimeout = consentTimeout
            self.tickInterval = tickInterval
            self.maxDatagramSize = maxDatagramSize
            self.receiveBufferSize = receiveBufferSize
            self.receiveBatchingDelay = receiveBatchingDelay
            self.hub = hub
            self.segmentSink = segmentSink
        }

        var advertisedAddress: String { publicAddress ?? host }
    }

    public enum StartError: Error, CustomStringConvertible {
        case noPublicAddress(host: String)
        case certificate(DTLSError)

        public var description: String {
            switch self {
            case .noPublicAddress(let host):
                "WebRTC ingest binds \(host), so publicAddress must name the address publishers reach"
            case .certificate(let error): "\(error)"
            }
        }
    }

    private struct Running: Sendable {
        var channel: any Channel
        var handler: NIOLoopBound<IngestHandler>
        var port: Int
    }

    private let configuration: Configuration
    private let group: any EventLoopGroup
    private let authorizer: any IngestAuthorizer
    private let sink: any LiveEventSink
    private let logger: Logger
    private let tap: (@Sendable (String, IngestTapEvent) -> Void)?
    private let running = NIOLockedValueBox<Running?>(nil)

    public convenience init(
        configuration: Configuration = Configuration(),
        group: any EventLoopGroup,
        authorizer: any IngestAuthorizer,
        sink: any LiveEventSink,
        logger: Logger
    ) {
        self.init(configuration: configuration, group: group, authorizer: authorizer, sink: sink, logger: logger, tap: nil)
    }

    init(
        configuration: Configuration, group: any EventLoopGroup, authorizer: any IngestAuthorizer, sink: any LiveEventSink,
        logger: Logger, tap: (@Sendable (String, IngestTapEvent) -> Void)?
    ) {
        self.configuration = configuration
        self.group = group
        self.authorizer = authorizer
        self.sink = sink
        self.logger = logger
        self.tap = tap
    }

    private static let vectorRead = 32

    /// Makes our DTLS certificate, binds the UDP port and starts the session clock; returns
    /// the bound port.
    public func start() async throws -> Int {
        guard configuration.publicAddress != nil || !["0.0.0.0", "::", ""].contains(configuration.host) else {
            throw StartError.noPublicAddress(host: configuration.host)
        }
        let context: DTLSContext
        do {
            context = try DTLSContext(certificate: DTLSCertificate.generate())
        } catch {
            throw StartError.certificate(error)
        }
        let environment = IngestEnvironment(configuration: configuration, context: context, sink: sink, logger: logger, tap: tap)
        let bootstrap = DatagramBootstrap(group: group)
            .channelOption(.socketOption(.so_reuseaddr), value: 1)
            .channelOption(.socketOption(.so_rcvbuf), value: SocketOptionValue(configuration.receiveBufferSize))
            // Up to `vectorRead` datagrams per system call (reads are paced by IngestHandler).
            // NIO cuts one buffer into that many slots, so the buffer holds that many of one
            // more byte than we accept: an oversized datagram is seen as such.
            .channelOption(.recvAllocator, value: FixedSizeRecvByteBufferAllocator(capacity: (configuration.maxDatagramSize + 1) * Self.vectorRead))
            .channelOption(.datagramVectorReadMessageCount, value: Self.vectorRead)
            .channelOption(.maxMessagesPerRead, value: 16)
            .channelOption(.autoRead, value: configuration.receiveBatchingDelay == .zero)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(IngestHandler(environment: environment))
                }
            }
        let channel = try await bootstrap.bind(host: configuration.host, port: configuration.port).get()
        let handler = try await channel.eventLoop.submit {
            NIOLoopBound(try channel.pipeline.syncOperations.handler(type: IngestHandler.self), eventLoop: channel.eventLoop)
        }.get()
        let port = channel.localAddress?.port ?? configuration.port
        running.withLockedValue { $0 = Running(channel: channel, handler: handler, port: port) }
        logger.info("WebRTC ingest listening", metadata: [
            "host": "\(configuration.host)", "port": "\(port)", "candidate": "\(configuration.advertisedAddress)",
            "fingerprint": "\(context.certificate.fingerprint)",
        ])
        return port
    }

    /// Offer in, answer out: checks the offer, asks the authorizer about the key (app `whip`)
    /// and opens a session waiting for the publisher's ICE checks. Errors map to HTTP through
    /// `WHIPError.httpStatus`: malformed 400, unsupported 422, unauthorized 401,
    /// atCapacity and unavailable 503.
    public func publish(offer: String, streamKey: String, remoteAddress: String?) async throws(WHIPError) -> WHIPSessionDescription {
        let parsed: WHIPOffer
        do {
            parsed = try WHIPOffer.parse(offer)
        } catch {
            throw WHIPError(error)
        }
        guard running.withLockedValue({ $0 }) != nil else { throw .unavailable }
        guard let grant = await authorizer.authorize(app: "whip", streamKey: streamKey) else {
            logger.info("WHIP publish refused: stream key not accepted", metadata: ["remote": "\(remoteAddress ?? "?")"])
            throw .unauthorized
        }
        guard let running = running.withLockedValue({ $0 }) else { throw .unavailable }
        let result: Result<WHIPSessionDescription, WHIPError>
        do {
            result = try await running.channel.eventLoop.submit {
                running.handler.value.open(offer: parsed, streamID: grant.streamID, remoteAddress: remoteAddress, port: running.port)
            }.get()
        } catch {
            throw .unavailable
        }
        return try result.get()
    }

    /// Ends a session (WHIP DELETE): close_notify to the publisher, the hub finished, the app
    /// told `unpublished`; returns once that was delivered. False when no such session.
    public func end(sessionID: String) async -> Bool {
        guard let running = running.withLockedValue({ $0 }),
              let ended = try? await running.channel.eventLoop.submit({
                  running.handler.value.end(sessionID: sessionID, reason: .deleted)
              }).get() else { return false }
        try? await ended.get()
        return true
    }

    /// Whether a session with this id is open (WHIP PATCH answers 404 otherwise).
    public func hasSession(_ sessionID: String) async -> Bool {
        guard let running = running.withLockedValue({ $0 }) else { return false }
        return (try? await running.channel.eventLoop.submit { running.handler.value.hasSession(sessionID) }.get()) ?? false
    }

    /// Cuts every session publishing `streamID` (the app regenerated or deleted the key);
    /// returns once they were unpublished.
    public func disconnect(streamID: String) async {
        guard let running = running.withLockedValue({ $0 }),
              let ended = try? await running.channel.eventLoop.submit({
                  running.handler.value.end(streamID: streamID, reason: .disconnected)
              }).get() else { return }
        for future in ended {
            try? await future.get()
        }
    }

    /// Ends every session (each `unpublished`), then closes the socket.
    public func shutdown() async {
        guard let running = running.withLockedValue({ state in
            defer { state = nil }
            return state
        }) else { return }
        let ended = (try? await running.channel.eventLoop.submit { running.handler.value.shutDown() }.get()) ?? []
        for future in ended {
            try? await future.get()
        }
        try? await running.channel.close()
        logger.info("WebRTC ingest stopped")
    }
}
