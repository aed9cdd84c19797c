import NIOCore

/// The RTMP message type id carried in every type 0 and type 1 chunk header.
public struct RTMPMessageType: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: UInt8

    public init(rawValue: UInt8) {
        self.rawValue = rawValue
    }

    static let setChunkSize = Self(rawValue: 1)
    static let abort = Self(rawValue: 2)
    static let acknowledgement = Self(rawValue: 3)
    static let userControl = Self(rawValue: 4)
    static let windowAcknowledgementSize = Self(rawValue: 5)
    static let setPeerBandwidth = Self(rawValue: 6)
    public static let audio = Self(rawValue: 8)
    public static let video = Self(rawValue: 9)
    static let dataAMF3 = Self(rawValue: 15)
    static let sharedObjectAMF3 = Self(rawValue: 16)
    static let commandAMF3 = Self(rawValue: 17)
    static let dataAMF0 = Self(rawValue: 18)
    static let sharedObjectAMF0 = Self(rawValue: 19)
    static let commandAMF0 = Self(rawValue: 20)
    static let aggregate = Self(rawValue: 22)

    /// Protocol control messages (types 1 to 6) travel on chunk stream 2 and message stream 0.
    var isProtocolControl: Bool { (1...6).contains(rawValue) }

    public var description: String { "type \(rawValue)" }
}

/// One reassembled RTMP message.
public struct RTMPMessage: Equatable, Sendable {
    public var type: RTMPMessageType
    /// Message stream id: 0 for the connection, the id returned by `createStream` for media.
    public var streamID: UInt32
    /// Milliseconds on the sender's 32-bit clock (already accumulated from deltas).
    public var timestamp: UInt32
    public var payload: ByteBuffer

    init(type: RTMPMessageType, streamID: UInt32 = 0, timestamp: UInt32 = 0, payload: ByteBuffer) {
        self.type = type
        self.streamID = streamID
        self.timestamp = timestamp
        self.payload = payload
    }
}
