@testable import MetropoleMedia
import Testing

@Suite struct HLSNamingTests {
    @Test func resourceNamesRoundTrip() {
        let names: [HLSResourceName] = [.initSegment(generation: 0), .initSegment(generation: 3), .segment(msn: 12), .part(msn: 12, index: 4)]
        #expect(names.map(\.description) == ["init.mp4", "init3.mp4", "seg12.m4s", "part12.4.m4s"])
        for name in names {
            #expect(HLSResourceName(name.description) == name)
        }
    }

    @Test func refusesOtherNames() {
        for name in ["", "seg.m4s", "seg-1.m4s", "seg+1.m4s", "part1.m4s", "part1..m4s", "part1.2.3.m4s", "init0.mp4", "seg1.mp4", "../seg1.m4s", "seg99999999999.m4s"] {
            #expect(HLSResourceName(name) == nil, "\(name)")
        }
    }

    @Test func everyBroadcastListsItsResourcesUnderItsOwnToken() {
        let tokens = (0..<1000).map { _ in HLSResourceName.makeBroadcast() }
        #expect(Set(tokens).count == tokens.count)
        #expect(tokens.allSatisfy { $0.count == 13 && $0.allSatisfy { $0.isNumber || ("a"..."z").contains($0) } })
        #expect(HLSResourceName.part(msn: 3, index: 1).uri(broadcast: "abc") == "abc/part3.1.m4s")
        // A hub is one publication: a new publisher gets a new hub and so a new token.
        #expect(LiveHub(name: "a").broadcast != LiveHub(name: "a").broadcast)
    }

    @Test func formatsProgramDateTime() {
        #expect(ProgramDateTime.format(millisecondsSince1970: 0) == "1970-01-01T00:00:00.000Z")
        #expect(ProgramDateTime.format(millisecondsSince1970: 1_700_000_000_123) == "2023-11-14T22:13:20.123Z")
        #expect(ProgramDateTime.format(millisecondsSince1970: 951_782_400_000) == "2000-02-29T00:00:00.000Z")
        #expect(ProgramDateTime.format(millisecondsSince1970: 1_798_761_599_999) == "2026-12-31T23:59:59.999Z")
    }

    @Test func formatsSeconds() {
        #expect(LLHLSPlaylist.seconds(300) == "0.300")
        #expect(LLHLSPlaylist.seconds(2005) == "2.005")
        #expect(LLHLSPlaylist.seconds(12040) == "12.040")
    }
}
