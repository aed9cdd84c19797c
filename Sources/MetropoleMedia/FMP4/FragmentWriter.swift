import NIOCore

/// Turns frames into single-sample fragments (`moof` + `mdat`), one per frame, as soon as each
/// frame arrives: waiting for the next frame to learn the exact duration would add a frame of
/// latency to every viewer.
///
/// The sample duration is therefore predicted: an AAC frame is always 1024 (or 2048 with SBR)
/// samples; an Opus packet says its own duration in its TOC byte; video repeats the last observed frame interval, starting from the SPS frame rate or
/// 1/30 s. `tfdt` carries each frame's exact decode time, so a wrong guess never accumulates:
/// players place every fragment by its `tfdt`, and a guess only shapes the tiny gap or overlap
/// before the next one.
public struct FragmentWriter: Sendable {
    /// `mfhd` sequence numbers, increasing across every track and fragment of one stream.
    public private(set) var nextSequenceNumber: UInt32
    private var lastVideoDTS: Int64?
    private var videoFrameInterval: Int64?

    static let headerSize = 112
    /// `moof` alone: everything in the header except the 8-byte `mdat` header.
    static let moofSize = 104
    /// The `sbgp` an Opus `traf` adds (`opus_in_isobmff` 4.3.6.2).
    static let opusRollGroupSize = 28

    public init(firstSequenceNumber: UInt32 = 1) {
        self.nextSequenceNumber = firstSequenceNumber
    }

    /// Builds the fragment for `frame`. `frame.dts` must not be negative (tfdt is unsigned);
    /// `LiveHub` drops such frames before they get here.
    public mutating func fragment(
        for frame: MediaFrame,
        track: FMP4Track,
        allocator: ByteBufferAllocator = .init()
    ) -> Fragment {
        let duration = predictDuration(for: frame, track: track)
        let sequenceNumber = nextSequenceNumber
        nextSequenceNumber &+= 1

        // Header and payload in one buffer: one copy of the frame here, at ingest, so every
        // viewer gets the chunk as a single write, and the chunk no longer pins the (much
        // larger) network read buffer the publisher's bytes arrived in.
        let headerSize = Self.headerSize + (track.isOpus ? Self.opusRollGroupSize : 0)
        var header = allocator.buffer(capacity: headerSize + frame.payload.readableBytes)
        let sampleFlags: UInt32 = switch (track.kind, frame.isKeyframe) {
        case (.audio, _), (.video, true): 0x0200_0000 // depends on no other sample
        case (.video, false): 0x0101_0000 // depends on others; not a sync sample
        }
        header.writeBox("moof") { moof in
            moof.writeFullBox("mfhd", version: 0, flags: 0) { $0.writeInteger(sequenceNumber) }
            moof.writeBox("traf") { traf in
                traf.writeFullBox("tfhd", version: 0, flags: 0x02_0000) { // default-base-is-moof
                    $0.writeInteger(track.id)
                }
                traf.writeFullBox("tfdt", version: 1, flags: 0) {
                    $0.writeInteger(UInt64(clamping: track.ticks(milliseconds: frame.dts)))
                }
                // Version 1: signed composition offsets, so B-frames need no edit list.
                // Flags: data-offset, sample duration, size, flags and composition offset present.
                traf.writeFullBox("trun", version: 1, flags: 0x00_0F01) { trun in
                    trun.writeInteger(UInt32(1))
                    trun.writeInteger(Int32(headerSize)) // payload starts right after mdat header
                    trun.writeInteger(UInt32(clamping: duration))
                    trun.writeInteger(UInt32(clamping: frame.payload.readableBytes))
                    trun.writeInteger(sampleFlags)
                    trun.writeInteger(Int32(clamping: track.ticks(milliseconds: Int64(frame.compositionOffset))))
                }
                if track.isOpus {
                    traf.writeOpusRollSampleGroup(sampleCount: 1)
                }
            }
        }
        header.writeInteger(UInt32(clamping: 8 + frame.payload.readableBytes))
        header.writeFourCC("mdat")
        let headerLength = header.readableBytes
        header.writeImmutableBuffer(frame.payload)
        let chunk = header

        return Fragment(
            bytes: chunk,
            headerLength: headerLength,
            kind: track.kind,
            dts: frame.dts,
            duration: Double(duration) * 1000 / Double(track.timescale),
            isKeyframe: track.kind == .audio || frame.isKeyframe,
            sequenceNumber: sequenceNumber
        )
    }

    /// Duration in track ticks to write for `frame` (see the type's comment).
    private mutating func predictDuration(for frame: MediaFrame, track: FMP4Track) -> Int64 {
        if let audioTicks = track.audioFrameTicks { return audioTicks }
        if track.isOpus {
            // 20 ms when the TOC is unreadable: a decoder will reject that packet anyway.
            return Int64(OpusPacket.sampleCount(frame.payload) ?? 960) * Int64(track.timescale) / Int64(OpusConfig.clockRate)
        }
        if let last = lastVideoDTS, frame.dts > last {
            videoFrameInterval = frame.dts - last
        }
        lastVideoDTS = frame.dts
        if let interval = videoFrameInterval { return track.ticks(milliseconds: interval) }
        if case .avc(let record) = track.config, let rate = record.frameRate, rate >= 1, rate <= 300 {
            return Int64((Double(track.timescale) / rate).rounded())
        }
        return Int64(track.timescale) / 30
    }

    /// Forgets the video interval, e.g. when a new configuration starts a new timeline segment.
    public mutating func resetTiming() {
        lastVideoDTS = nil
        videoFrameInterval = nil
    }
}
