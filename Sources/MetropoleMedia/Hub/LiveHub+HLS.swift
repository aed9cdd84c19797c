import NIOCore

/// LL-HLS over HTTP: the playlist with blocking reload and the resources it names.
extension LiveHub {
    /// The media playlist. `msn`/`part` are the `_HLS_msn`/`_HLS_part` query values: with them
    /// the answer waits until that segment or part is listed, for at most the hold limit.
    /// A request without them also waits, briefly, for the stream's first part.
    public func playlist(msn: Int? = nil, part: Int? = nil) async -> PlaylistAnswer {
        if part != nil && msn == nil { return .badRequest }
        if let msn, msn < 0 { return .badRequest }
        if let part, part < 0 { return .badRequest }
        let lastMSN = state.withLockedValue { $0.segmenter.lastMSN }
        if let msn, msn > (lastMSN ?? 0) + 2 { return .badRequest }
        guard await waitFor(msn: msn ?? 0, part: msn == nil ? 0 : part) else { return .unavailable }
        return renderedPlaylist()
    }

    /// A resource the playlist lists under `broadcast`, by its name there (`init.mp4`,
    /// `seg{msn}.m4s`, `part{msn}.{i}.m4s`), or `nil` (404); the web layer checks the
    /// broadcast. A request for the preload-hinted part waits until it is complete; a
    /// completed segment the recording has on disk is read back from its `SegmentStore`.
    public func resource(named name: String) async -> ByteBuffer? {
        guard let resource = HLSResourceName(name) else { return nil }
        let msn: Int
        let index: Int?
        switch resource {
        case .initSegment(let generation):
            return state.withLockedValue { $0.initSegments[generation] }
        case .segment(let segment):
            (msn, index) = (segment, nil)
        case .part(let segment, let part):
            (msn, index) = (segment, part)
        }
        let found = lookup(msn: msn, part: index)
        guard case .pending = found else { return await bytes(of: found) }
        guard await waitFor(msn: msn, part: index) else { return nil }
        return await bytes(of: lookup(msn: msn, part: index))
    }

    private enum Found {
        case ready(ByteBuffer)
        case stored(msn: Int, offset: Int, length: Int, store: any SegmentStore)
        case pending
        case missing
    }

    private func bytes(of found: Found) async -> ByteBuffer? {
        switch found {
        case .ready(let data): data
        case .stored(let msn, let offset, let length, let store): await store.read(msn: msn, offset: offset, length: length)
        case .pending, .missing: nil
        }
    }

    /// The segmenter's answer with the store it refers to, read under one lock.
    private func lookup(msn: Int, part: Int?) -> Found {
        state.withLockedValue { state in
            switch state.segmenter.lookup(msn: msn, part: part) {
            case .ready(let data): return .ready(data)
            case .stored(let msn, let offset, let length):
                guard let store = state.store else { return .missing }
                return .stored(msn: msn, offset: offset, length: length, store: store)
            case .pending: return .pending
            case .missing: return .missing
            }
        }
    }

    /// `EXT-X-TARGETDURATION` now, in seconds: what caches' lifetimes are counted in.
    public var targetDuration: Int {
        state.withLockedValue { $0.segmenter.targetDuration }
    }

    /// How long a request may be held: three target durations unless configured.
    var holdLimit: Duration {
        let seconds = configuration.holdLimit ?? Double(targetDuration * 3)
        return .milliseconds(Int64(seconds * 1000))
    }

    /// Waits until segment `msn` (part `part`) is listed or the stream ends; `false` when the
    /// hold limit passes first.
    private func waitFor(msn: Int, part: Int?) async -> Bool {
        if state.withLockedValue({ $0.segmenter.contains(msn: msn, part: part) }) { return true }
        let limit = holdLimit
        return await withTaskGroup(of: Bool.self) { group in
            group.addTask { await self.park(msn: msn, part: part) }
            group.addTask {
                try? await Task.sleep(for: limit)
                return false
            }
            let first = await group.next() ?? false
            group.cancelAll()
            return first
        }
    }

    private func park(msn: Int, part: Int?) async -> Bool {
        let id = state.withLockedValue { $0.waiters.makeID() }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Bool, Never>) in
                let immediate = state.withLockedValue { state in
                    state.waiters.park(id: id, msn: msn, part: part, continuation: continuation, segmenter: state.segmenter)
                }
                if let (continuation, answer) = immediate {
                    continuation.resume(returning: answer)
                }
            }
        } onCancel: {
            let continuation = state.withLockedValue { $0.waiters.cancel(id: id) }
            continuation?.resume(returning: false)
        }
    }

    /// Renders outside the lock from a snapshot and keeps the text until the next change, so
    /// the many requests released by one new part share one rendering.
    private func renderedPlaylist() -> PlaylistAnswer {
        let (cached, segmenter) = state.withLockedValue { state -> (String?, LLHLSSegmenter?) in
            if let cached = state.cachedPlaylist, cached.version == state.segmenter.version {
                return (cached.text, nil)
            }
            return (nil, state.segmenter)
        }
        if let cached { return .playlist(cached) }
        guard let segmenter, segmenter.lastMSN != nil || segmenter.isEnded else { return .unavailable }
        let text = LLHLSPlaylist.render(segmenter, broadcast: broadcast)
        state.withLockedValue { state in
            if state.segmenter.version == segmenter.version {
                state.cachedPlaylist = (segmenter.version, text)
            }
        }
        return .playlist(text)
    }
}
