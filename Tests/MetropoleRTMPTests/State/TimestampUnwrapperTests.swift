import Testing

@testable import MetropoleRTMP

@Suite struct TimestampUnwrapperTests {
    @Test func keepsThePublishersOrigin() {
        var unwrapper = TimestampUnwrapper()
        #expect(unwrapper.unwrap(123_456) == 123_456)
        #expect(unwrapper.unwrap(123_489) == 123_489)
    }

    @Test func growsAcrossThe32BitWrap() {
        // setup
        var unwrapper = TimestampUnwrapper()
        // act
        let times = [0xFFFF_FF00, 0xFFFF_FFE0, 0x0000_0010, 0x0000_0100, 0xFFFF_FFF0, 0x0000_0200].map { unwrapper.unwrap($0) }
        // check: the late audio at 0xFFFFFFF0 is a small step back, not a wrap
        #expect(times == [0xFFFF_FF00, 0xFFFF_FFE0, 0x1_0000_0010, 0x1_0000_0100, 0xFFFF_FFF0, 0x1_0000_0200])
    }

    @Test func wrapsMoreThanOnce() {
        var unwrapper = TimestampUnwrapper()
        var raw: UInt32 = 0
        var last: Int64 = 0
        for _ in 0..<(3 * 4096) {
            raw &+= 0x10_0000
            last = unwrapper.unwrap(raw)
        }
        #expect(last == 3 * 4096 * 0x10_0000)
    }

    @Test func smallStepsBackStaySmall() {
        var unwrapper = TimestampUnwrapper()
        #expect(unwrapper.unwrap(1000) == 1000)
        #expect(unwrapper.unwrap(990) == 990)
        #expect(unwrapper.unwrap(1033) == 1033)
    }
}
