import NIOCore

/// The chunk stream decoder in the pipeline: bytes in, `RTMPMessage`s out. It also sends the
/// acknowledgements the peer's window asks for, as only it sees how many bytes arrived.
struct RTMPMessageDecoder: ByteToMessageDecoder {
    typealias InboundOut = RTMPMessage

    private var decoder: ChunkDecoder

    init(limits: ChunkDecoder.Limits = ChunkDecoder.Limits()) {
        self.decoder = ChunkDecoder(limits: limits)
    }

    mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let message = try decoder.nextMessage(from: &buffer) else { return .needMoreData }
        context.fireChannelRead(wrapInboundOut(message))
        if let sequenceNumber = decoder.acknowledgementDue() {
            context.writeAndFlush(NIOAny(RTMPMessage.acknowledgement(sequenceNumber: sequenceNumber)), promise: nil)
        }
        return .continue
    }

    mutating func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws -> DecodingState {
        // A partial chunk at close time is dropped with the connection.
        while try decode(context: context, buffer: &buffer) == .continue {}
        return .needMoreData
    }
}

/// Chunks the messages the session sends.
final class RTMPMessageEncoder: ChannelOutboundHandler {
    typealias OutboundIn = RTMPMessage
    typealias OutboundOut = ByteBuffer

    private var encoder = ChunkEncoder()

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let message = unwrapOutboundIn(data)
        var buffer = context.channel.allocator.buffer(capacity: message.payload.readableBytes + 16)
        encoder.encode(message, into: &buffer)
        context.write(wrapOutboundOut(buffer), promise: promise)
    }
}
