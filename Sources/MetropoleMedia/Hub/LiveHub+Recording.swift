import NIOCore

/// Completed segments for `LiveHubConfiguration.onSegment`: found under the lock by comparing
/// the newest completed sequence number before and after a change, joined and handed over
/// outside it.
extension LiveHub {
    struct CutSegment {
        var segment: LLHLSSegmenter.Segment
        var initSegment: ByteBuffer
    }

    /// The segments completed since the one numbered `lastMSN` (`nil`: none was before).
    func cutSegments(after lastMSN: Int?, _ state: State) -> [CutSegment] {
        guard configuration.onSegment != nil else { return [] }
        return state.segmenter.segments.reversed().prefix { $0.msn > (lastMSN ?? -1) }.reversed().compactMap { segment in
            state.initSegments[segment.initGeneration].map { CutSegment(segment: segment, initSegment: $0) }
        }
    }

    /// Calls `onSegment` for each, in order, on the caller's thread (the ingest loop). The
    /// parts are handed as they are, shared, not joined: the recorder writes them in turn.
    func hand(_ cut: [CutSegment]) {
        guard let onSegment = configuration.onSegment else { return }
        for item in cut {
            let segment = item.segment
            let msn = segment.msn
            onSegment(CompletedSegment(
                msn: msn, initGeneration: segment.initGeneration, initSegment: item.initSegment,
                startDTS: segment.startDTS, duration: segment.duration, programDateTime: segment.programDateTime,
                isDiscontinuity: segment.isDiscontinuity, parts: segment.parts.map(\.data),
                stored: { [weak self] store in self?.segmentStored(msn: msn, in: store) }
            ))
        }
    }

    /// The recorder has segment `msn` on disk: the window drops its bytes and reads them back
    /// from `store` when asked (decision 0050).
    func segmentStored(msn: Int, in store: any SegmentStore) {
        state.withLockedValue { state in
            if state.segmenter.markStored(msn: msn) { state.store = store }
        }
    }
}
