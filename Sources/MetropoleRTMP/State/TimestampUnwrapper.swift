/// Extends 32-bit RTMP millisecond timestamps to 64 bits so they keep growing across the wrap
/// (every 49.7 days), while keeping the publisher's origin: the first timestamp stays as is.
///
/// Steps are read as signed 32-bit differences, so the small backward steps between
/// interleaved audio and video stay small instead of becoming a wrap.
public struct TimestampUnwrapper {
    private var last: UInt32?
    private var extended: Int64 = 0

    public init() {}

    public mutating func unwrap(_ timestamp: UInt32) -> Int64 {
        if let last {
            extended += Int64(Int32(bitPattern: timestamp &- last))
        } else {
            extended = Int64(timestamp)
        }
        last = timestamp
        return extended
    }
}
