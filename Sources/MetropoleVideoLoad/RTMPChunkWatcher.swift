import NIOCore

/// Follows a publisher's side of an RTMP connection (C0, C1, C2, then chunks) and reports each
/// audio (8) and video (9) message when its last byte arrives, with its absolute timestamp.
/// Only what timing needs: chunk headers, SetChunkSize, extended timestamps. Payloads are
/// skipped, never copied.
struct RTMPChunkWatcher {
    struct Message {
        var isVideo: Bool
        var timestamp: Int64
    }

    private struct ChunkStream {
        var timestamp: Int64 = 0
        var delta: Int64 = 0
        var length = 0
        var type: UInt8 = 0
        var remaining = 0
        var extended = false
    }

    /// C0 + C1 + C2 from the client.
    private var handshakeLeft = 1 + 1536 + 1536
    private var chunkSize = 128
    private var streams: [UInt32: ChunkStream] = [:]
    /// The chunk stream whose payload is being skipped and how much of this chunk is left.
    private var current: (id: UInt32, left: Int)?
    private var pending: [UInt8] = []
    /// SetChunkSize payload gathered here (4 bytes).
    private var controlBytes: [UInt8] = []
    private(set) var failed = false

    mutating func consume(_ buffer: ByteBuffer) -> [Message] {
        guard !failed else { return [] }
        var bytes = pending
        pending = []
        bytes.append(contentsOf: buffer.readableBytesView)
        var offset = 0
        var messages: [Message] = []
        if handshakeLeft > 0 {
            let skipped = min(handshakeLeft, bytes.count)
            handshakeLeft -= skipped
            offset = skipped
        }
        while offset < bytes.count {
            if let (id, left) = current {
                let count = min(left, bytes.count - offset)
                var stream = streams[id]!
                if stream.type == 1 && controlBytes.count < 4 {
                    controlBytes.append(contentsOf: bytes[offset..<offset + min(count, 4 - controlBytes.count)])
                }
                offset += count
                stream.remaining -= count
                streams[id] = stream
                if count < left {
                    current = (id, left - count)
                    break
                }
                current = nil
                if stream.remaining == 0 {
                    if stream.type == 8 || stream.type == 9 {
                        messages.append(Message(isVideo: stream.type == 9, timestamp: stream.timestamp))
                    } else if stream.type == 1, controlBytes.count == 4 {
                        chunkSize = Int(controlBytes.reduce(UInt32(0)) { $0 << 8 | UInt32($1) } & 0x7FFF_FFFF)
                    }
                }
                continue
            }
            guard let used = readChunkHeader(bytes, at: offset) else {
                pending = Array(bytes[offset...])
                break
            }
            offset += used
        }
        return messages
    }

    /// Parses one chunk header at `offset`; returns its size, or nil when incomplete.
    private mutating func readChunkHeader(_ bytes: [UInt8], at start: Int) -> Int? {
        var offset = start
        func byte() -> UInt8? {
            guard offset < bytes.count else { return nil }
            defer { offset += 1 }
            return bytes[offset]
        }
        func integer(_ size: Int) -> UInt32? {
            var value: UInt32 = 0
            for _ in 0..<size {
                guard let next = byte() else { return nil }
                value = value << 8 | UInt32(next)
            }
            return value
        }
        guard let first = byte() else { return nil }
        let format = first >> 6
        var id = UInt32(first & 0x3F)
        if id == 0 {
            guard let next = byte() else { return nil }
            id = 64 + UInt32(next)
        } else if id == 1 {
            guard let low = byte(), let high = byte() else { return nil }
            id = 64 + UInt32(low) + UInt32(high) * 256
        }
        var stream = streams[id] ?? ChunkStream()
        let startsMessage = stream.remaining == 0
        var timeField: UInt32?
        switch format {
        case 0, 1, 2:
            guard let time = integer(3) else { return nil }
            timeField = time
            if format <= 1 {
                guard let length = integer(3), let type = byte() else { return nil }
                stream.length = Int(length)
                stream.type = type
            }
            if format == 0 { guard integer(4) != nil else { return nil } } // message stream id, little endian
        default:
            break
        }
        let usesExtended = timeField.map { $0 == 0xFF_FFFF } ?? stream.extended
        var time = timeField.map(Int64.init)
        if usesExtended {
            guard let extended = integer(4) else { return nil }
            if timeField != nil { time = Int64(extended) }
        }
        stream.extended = usesExtended
        if format == 0, let time {
            stream.timestamp = time
            stream.delta = 0
        } else if format == 1 || format == 2, let time {
            stream.delta = time
            stream.timestamp += time
        } else if format == 3, startsMessage {
            stream.timestamp += stream.delta
        }
        if startsMessage {
            stream.remaining = stream.length
            if stream.type == 1 { controlBytes = [] }
        }
        guard stream.length >= 0, stream.length < 16 << 20 else {
            failed = true
            return nil
        }
        streams[id] = stream
        current = (id, min(chunkSize, stream.remaining))
        if stream.remaining == 0 { current = nil } // an empty message
        return offset - start
    }
}
