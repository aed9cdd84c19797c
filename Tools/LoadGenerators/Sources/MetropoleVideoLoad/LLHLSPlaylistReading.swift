/// What an LL-HLS reader needs from a media playlist: the parts after the last one it has, each
/// with the wall-clock moment its last frame was ingested (its segment's
/// `EXT-X-PROGRAM-DATE-TIME` plus the durations before it), and the (msn, part) of the first
/// part not listed yet, to block on.
///
/// Read over the playlist's bytes, not as Swift `String`s: 200 readers reload about 700
/// playlists a second, and the tool runs as a debug build in the test command, where walking
/// Characters cost a core by itself.
struct LLHLSPlaylistReading: Equatable {
    struct Position: Equatable, Comparable {
        var msn: Int
        var index: Int

        static func < (a: Position, b: Position) -> Bool { (a.msn, a.index) < (b.msn, b.index) }
    }

    struct Part: Equatable {
        var uri: String
        var position: Position
        var endsAtMilliseconds: Int64
    }

    /// The parts listed after `after` (all of them when it is nil).
    var parts: [Part] = []
    /// The last part listed, new or not.
    var last: Position?
    var next = Position(msn: 0, index: 0)

    init?(_ text: String, after: Position? = nil) {
        var text = text
        guard let reading = text.withUTF8({ Self(UnsafeRawBufferPointer($0), after: after) }) else { return nil }
        self = reading
    }

    /// nil when the playlist has no `EXT-X-MEDIA-SEQUENCE`, or a part outside a dated segment or
    /// without a duration or URI.
    init?(_ bytes: UnsafeRawBufferPointer, after: Position? = nil) {
        var msn: Int?
        var index = 0
        var clock: Int64?
        var complete = false
        var start = 0
        while start < bytes.count {
            var end = start
            while end < bytes.count, bytes[end] != UInt8(ascii: "\n") { end += 1 }
            let line = Line(bytes: bytes, start: start, end: end)
            start = end + 1
            if let value = line.value(after: "#EXT-X-MEDIA-SEQUENCE:") {
                guard let first = line.integer(value.lowerBound..<value.upperBound) else { return nil }
                msn = first - 1
            } else if let value = line.value(after: "#EXT-X-PROGRAM-DATE-TIME:") {
                guard let current = msn, let date = line.milliseconds(iso8601: value) else { return nil }
                msn = current + 1
                clock = date
                index = 0
                complete = false
            } else if line.value(after: "#EXT-X-PART:") != nil {
                guard let current = msn, let from = clock,
                      let duration = line.attribute("DURATION=").flatMap(line.milliseconds(seconds:))
                else { return nil }
                let position = Position(msn: current, index: index)
                clock = from + duration
                last = position
                index += 1
                if let after, position <= after { continue }
                guard let uri = line.attribute("URI=\"") else { return nil }
                parts.append(Part(uri: line.string(uri), position: position, endsAtMilliseconds: from + duration))
            } else if line.value(after: "#EXTINF") != nil {
                complete = true
            }
        }
        guard let current = msn else { return nil }
        next = complete ? Position(msn: current + 1, index: 0) : Position(msn: current, index: index)
    }

    /// One line of the playlist, as a range of its bytes.
    private struct Line {
        let bytes: UnsafeRawBufferPointer
        let start: Int
        let end: Int

        /// Where the line's value starts, if the line starts with `tag`.
        func value(after tag: StaticString) -> Range<Int>? {
            let count = tag.utf8CodeUnitCount
            guard end - start >= count else { return nil }
            let prefix = tag.utf8Start
            for offset in 0..<count where bytes[start + offset] != prefix[offset] { return nil }
            return (start + count)..<end
        }

        /// The value after `key` (`DURATION=` or `URI="`), up to the next `,` or `"`.
        func attribute(_ key: StaticString) -> Range<Int>? {
            let count = key.utf8CodeUnitCount
            let pattern = key.utf8Start
            var at = start + 1
            while at + count <= end {
                // The key must start an attribute: right after the tag's `:` or a `,`.
                if bytes[at - 1] == UInt8(ascii: ":") || bytes[at - 1] == UInt8(ascii: ",") {
                    var matches = true
                    for offset in 0..<count where bytes[at + offset] != pattern[offset] {
                        matches = false
                        break
                    }
                    if matches {
                        var stop = at + count
                        while stop < end, bytes[stop] != UInt8(ascii: ","), bytes[stop] != UInt8(ascii: "\"") { stop += 1 }
                        return (at + count)..<stop
                    }
                }
                at += 1
            }
            return nil
        }

        func string(_ range: Range<Int>) -> String {
            String(decoding: UnsafeRawBufferPointer(rebasing: bytes[range]), as: UTF8.self)
        }

        /// Decimal digits only; nil when empty or too long to be a count.
        func integer(_ range: Range<Int>) -> Int? {
            guard !range.isEmpty, range.count < 19 else { return nil }
            var value = 0
            for offset in range {
                let digit = Int(bytes[offset]) - 48
                guard (0...9).contains(digit) else { return nil }
                value = value * 10 + digit
            }
            return value
        }

        /// `0.300` → 300: decimal seconds with at most three places.
        func milliseconds(seconds range: Range<Int>) -> Int64? {
            let dot = range.first(where: { bytes[$0] == UInt8(ascii: ".") }) ?? range.upperBound
            guard let whole = integer(range.lowerBound..<dot) else { return nil }
            guard dot < range.upperBound else { return Int64(whole) * 1000 }
            let places = (dot + 1)..<range.upperBound
            guard places.count <= 3, let fraction = places.isEmpty ? 0 : integer(places) else { return nil }
            return Int64(whole) * 1000 + Int64(fraction) * [1, 100, 10, 1][places.count]
        }

        /// `2026-12-07T17:02:15.123Z` → milliseconds since 1970 (UTC, as the server writes it).
        func milliseconds(iso8601 range: Range<Int>) -> Int64? {
            let at = range.lowerBound
            guard range.count >= 20, bytes[range.upperBound - 1] == UInt8(ascii: "Z"),
                  bytes[at + 4] == UInt8(ascii: "-"), bytes[at + 7] == UInt8(ascii: "-"), bytes[at + 10] == UInt8(ascii: "T"),
                  bytes[at + 13] == UInt8(ascii: ":"), bytes[at + 16] == UInt8(ascii: ":"),
                  let year = integer(at..<(at + 4)), let month = integer((at + 5)..<(at + 7)),
                  let day = integer((at + 8)..<(at + 10)), let hour = integer((at + 11)..<(at + 13)),
                  let minute = integer((at + 14)..<(at + 16)),
                  let seconds = milliseconds(seconds: (at + 17)..<(range.upperBound - 1)),
                  (1...12).contains(month), (1...31).contains(day)
            else { return nil }
            let days = Self.daysSince1970(year: year, month: month, day: day)
            return (Int64(days) * 86_400 + Int64(hour * 3600 + minute * 60)) * 1000 + seconds
        }

        /// Days from 1970-01-01 to a proleptic Gregorian date, counting 400-year eras from March so
        /// leap days need no table.
        static func daysSince1970(year: Int, month: Int, day: Int) -> Int {
            let shiftedYear = month <= 2 ? year - 1 : year
            let era = (shiftedYear >= 0 ? shiftedYear : shiftedYear - 399) / 400
            let yearOfEra = shiftedYear - era * 400
            let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
            let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
            return era * 146_097 + dayOfEra - 719_468
        }
    }
}
