import NIOCore

/// Groups fragments into LL-HLS parts and segments (RFC 8216bis, Apple LL-HLS) and keeps a short
/// window of them in memory. A pure value: `LiveHub` owns it under its lock and does the
/// waiting; this type only answers "is it there yet".
///
/// Parts and segments are cut on the timeline track (video when the stream has it, else audio):
/// a segment starts at a video keyframe once the previous one has lasted
/// `minimumSegmentDuration` (audio only: every `audioOnlySegmentDuration`); a part closes before
/// the frame that would carry it past `partTarget`. Audio rides along in whichever part is open.
/// A part is the concatenation of its fragments and a segment of its parts, so the bytes are
/// the very chunks WebSocket viewers get.
public struct LLHLSSegmenter: Sendable {
    public struct Part: Sendable {
        public var duration: Int64
        public var isIndependent: Bool
        /// Empty once the segment is stored (`markStored`); its bytes are then read back at
        /// `offset` in the stored segment.
        public var data: ByteBuffer
        /// Where the part starts in its segment.
        public var offset: Int
        public var byteCount: Int
    }

    public struct Segment: Sendable {
        public var msn: Int
        public var startDTS: Int64
        public var duration: Int64
        public var parts: [Part]
        /// Whether the playlist still lists the parts (only the newest `segmentsWithParts` do).
        public var listsParts = true
        /// Set when the segment is cut; its bytes are joined from the parts on first request.
        public var isComplete = false
        /// The whole segment, joined once when first asked for and then shared.
        public var data: ByteBuffer?
        /// Wall-clock start in milliseconds since 1970, for `EXT-X-PROGRAM-DATE-TIME`.
        public var programDateTime: Int64
        public var initGeneration: Int
        /// Set on the first segment after a configuration change.
        public var isDiscontinuity: Bool
        /// The bytes are in the hub's `SegmentStore`, no longer in memory.
        public var isStored = false

        /// Bytes of the whole segment: its parts joined.
        public var byteCount: Int { parts.last.map { $0.offset + $0.byteCount } ?? 0 }
    }

    private struct OpenPart {
        var fragments: [Fragment] = []
        var startDTS: Int64
        var isIndependent: Bool
    }

    public let configuration: LLHLSConfiguration
    /// Completed segments, oldest first: the live window (see `slideWindow`).
    public private(set) var segments: [Segment] = []
    /// The segment being filled; its completed parts are already listed.
    public private(set) var current: Segment?
    private var openPart: OpenPart?
    public private(set) var targetDuration: Int
    /// Discontinuities that have slid out of the window (`EXT-X-DISCONTINUITY-SEQUENCE`).
    public private(set) var discontinuitySequence = 0
    public private(set) var isEnded = false
    /// Bumped on every change a playlist reader could see; lets the hub cache rendered text.
    public private(set) var version = 0

    /// The fragments of the part closed last, as slices of its joined bytes (`takeJoinedPart`).
    private var lastJoinedPart: [Fragment] = []
    private var nextMSN = 0
    private var timelineKind: TrackKind = .video
    private var initGeneration = 0
    private var pendingDiscontinuity = false
    private var lastTimelineEnd: Int64?
    /// Maps publisher time to wall time: (dts, milliseconds since 1970) of the first fragment.
    private var clockOrigin: (dts: Int64, wall: Int64)?

    public init(configuration: LLHLSConfiguration = .init()) {
        self.configuration = configuration
        self.targetDuration = configuration.minimumTargetDuration
    }

    /// Starts (or restarts, after a configuration change) the timeline for an init segment.
    /// A restart closes what is open and marks the next segment as a discontinuity.
    public mutating func begin(initGeneration: Int, hasVideo: Bool) {
        if current != nil {
            closeSegment(endDTS: lastTimelineEnd)
            pendingDiscontinuity = true
        }
        self.initGeneration = initGeneration
        self.timelineKind = hasVideo ? .video : .audio
        self.lastTimelineEnd = nil
        version += 1
    }

    /// Adds one fragment; `wallClock` is the current time in milliseconds since 1970 and is only
    /// read for the first fragment, to anchor program date times to the publisher's clock.
    public mutating func append(_ fragment: Fragment, wallClock: Int64) {
        guard !isEnded else { return }
        if clockOrigin == nil { clockOrigin = (fragment.dts, wallClock) }
        guard fragment.kind == timelineKind else {
            // Audio before the first video keyframe has no segment to join.
            openPart?.fragments.append(fragment)
            return
        }
        if let segment = current, let part = openPart {
            let elapsed = fragment.dts - segment.startDTS
            let startsSegment = timelineKind == .video
                ? fragment.isKeyframe && elapsed >= configuration.minimumSegmentDuration
                : elapsed >= configuration.audioOnlySegmentDuration
            if startsSegment {
                closeSegment(endDTS: fragment.dts)
            } else if fragment.dts > part.startDTS,
                      fragment.dts + Int64(fragment.duration.rounded(.up)) - part.startDTS > configuration.partTarget {
                closePart(endDTS: fragment.dts)
            }
        }
        if current == nil {
            guard timelineKind == .audio || fragment.isKeyframe else { return }
            openSegment(startDTS: fragment.dts)
        }
        if openPart == nil {
            openPart = OpenPart(startDTS: fragment.dts, isIndependent: timelineKind == .audio || fragment.isKeyframe)
        }
        openPart?.fragments.append(fragment)
        lastTimelineEnd = fragment.dts + Int64(fragment.duration.rounded())
    }

    /// The fragments of the part closed by the last call, read from the part's joined bytes, or
    /// none: the hub swaps them into its GOP cache so that the cache and the part share memory.
    public mutating func takeJoinedPart() -> [Fragment] {
        defer { lastJoinedPart = [] }
        return lastJoinedPart
    }

    /// Closes what is open; the playlist gets `EXT-X-ENDLIST`.
    public mutating func finish() {
        guard !isEnded else { return }
        closeSegment(endDTS: lastTimelineEnd)
        isEnded = true
        version += 1
    }

    // MARK: - Questions readers ask

    /// The part a client should fetch next (`EXT-X-PRELOAD-HINT`), if the stream goes on.
    public var preloadHint: HLSResourceName? {
        guard !isEnded, let current else { return nil }
        return .part(msn: current.msn, index: current.parts.count)
    }

    /// The newest media sequence number a playlist shows.
    public var lastMSN: Int? { current?.msn ?? segments.last?.msn }

    /// Whether a playlist asked for with `_HLS_msn` / `_HLS_part` can be answered now.
    /// A part index past the last part of a completed segment means part 0 of the next one
    /// (RFC 8216bis 6.2.5.2).
    public func contains(msn: Int, part: Int?) -> Bool {
        if isEnded { return true }
        if let newestComplete = segments.last?.msn, msn <= newestComplete {
            guard let part, let segment = segments.first(where: { $0.msn == msn }),
                  segment.listsParts, part >= segment.parts.count
            else { return true }
            return contains(msn: msn + 1, part: 0)
        }
        guard let current, current.msn == msn, let part else { return false }
        return part < current.parts.count
    }

    public enum Lookup: Sendable, Equatable {
        case ready(ByteBuffer)
        /// In the store: `length` bytes at `offset` of segment `msn`.
        case stored(msn: Int, offset: Int, length: Int)
        /// The hinted part: it will exist once the next cut happens.
        case pending
        case missing
    }

    /// Mutating because a whole segment is joined from its parts on first request only: most
    /// low-latency players fetch parts, so most segments are never joined at all.
    public mutating func lookup(msn: Int, part index: Int?) -> Lookup {
        if index == nil, let position = segments.firstIndex(where: { $0.msn == msn }) {
            if segments[position].isStored {
                return .stored(msn: msn, offset: 0, length: segments[position].byteCount)
            }
            if segments[position].data == nil {
                segments[position].data = segments[position].parts.map(\.data).joinedBuffer()
            }
            return segments[position].data.map(Lookup.ready) ?? .missing
        }
        if let segment = segments.first(where: { $0.msn == msn }) ?? (current?.msn == msn ? current : nil) {
            guard let index else { return .missing }
            if segment.listsParts, index < segment.parts.count {
                let part = segment.parts[index]
                return segment.isStored ? .stored(msn: msn, offset: part.offset, length: part.byteCount) : .ready(part.data)
            }
            if case .part(msn, index) = preloadHint { return .pending }
        }
        return .missing
    }

    /// The recording has completed segment `msn` on disk: its bytes leave memory, and lookups
    /// answer `.stored` from now on. False when the segment is no longer (or not yet) complete
    /// in the window.
    public mutating func markStored(msn: Int) -> Bool {
        guard let position = segments.firstIndex(where: { $0.msn == msn }), !segments[position].isStored else { return false }
        segments[position].isStored = true
        segments[position].data = nil
        for index in segments[position].parts.indices {
            segments[position].parts[index].data = ByteBuffer()
        }
        return true
    }

    // MARK: - Cutting

    private mutating func openSegment(startDTS: Int64) {
        let origin = clockOrigin ?? (startDTS, 0)
        current = Segment(
            msn: nextMSN,
            startDTS: startDTS,
            duration: 0,
            parts: [],
            data: nil,
            programDateTime: origin.wall + (startDTS - origin.dts),
            initGeneration: initGeneration,
            isDiscontinuity: pendingDiscontinuity
        )
        nextMSN += 1
        pendingDiscontinuity = false
    }

    private mutating func closePart(endDTS: Int64?) {
        guard let part = openPart, var segment = current else { return }
        openPart = nil
        guard !part.fragments.isEmpty else { return }
        let duration = max((endDTS ?? part.startDTS) - part.startDTS, 1)
        let data = part.fragments.joined()
        var offset = 0
        lastJoinedPart = part.fragments.map { fragment in
            defer { offset += fragment.byteCount }
            return fragment.rebased(onto: data, at: offset)
        }
        segment.parts.append(Part(duration: duration, isIndependent: part.isIndependent, data: data,
                                  offset: segment.byteCount, byteCount: data.readableBytes))
        segment.duration += duration
        current = segment
        version += 1
    }

    private mutating func closeSegment(endDTS: Int64?) {
        closePart(endDTS: endDTS)
        guard var segment = current else { return }
        current = nil
        guard !segment.parts.isEmpty else { return }
        segment.isComplete = true
        segments.append(segment)
        targetDuration = max(targetDuration, Int((Double(segment.duration) / 1000).rounded()))
        slideWindow()
        version += 1
    }

    /// Releases the oldest completed segment once the newer ones alone cover the live window
    /// (`windowTargetDurations` target durations: the least a live playlist may last, RFC
    /// 8216bis 6.2.2), and always beyond `segmentWindow`. Older media lives on disk in the
    /// recording, if anywhere; memory holds only what a live reader can still ask for.
    private mutating func slideWindow() {
        let window = Int64(configuration.windowTargetDurations * targetDuration) * 1000
        var newerDuration = segments.dropFirst().reduce(0) { $0 + $1.duration }
        while segments.count > configuration.segmentWindow
            || (segments.count > configuration.segmentsWithParts && newerDuration >= window) {
            if segments.removeFirst().isDiscontinuity {
                discontinuitySequence += 1
            }
            newerDuration -= segments.first?.duration ?? 0
        }
        let withParts = segments.count - configuration.segmentsWithParts
        if withParts > 0 {
            for index in 0..<withParts {
                segments[index].listsParts = false
            }
        }
    }
}

extension Array where Element == ByteBuffer {
    /// One buffer holding these in order.
    func joinedBuffer() -> ByteBuffer {
        var data = ByteBuffer()
        data.reserveCapacity(reduce(0) { $0 + $1.readableBytes })
        for buffer in self {
            data.writeImmutableBuffer(buffer)
        }
        return data
    }
}
