import NIOCore

/// One direction of an SRTP session: the keys one writer uses for RTP and RTCP, the replay
/// windows (and so the rollover counters) of what was received, and the counters of what was
/// sent.
///
/// Unprotecting checks the replay window, then the tag (AES-CM: in constant time, with the
/// inferred ROC, before decrypting; GCM: OpenSSL's check as it decrypts), in place: the returned buffer reuses the packet's storage when
/// the caller holds no other reference to it. The windows move only for packets that
/// authenticated, so forged or corrupted packets change nothing. No input traps.
public struct SRTPContext: Sendable {
    public let profile: SRTPProtectionProfile
    let rtpKeys: SRTPSessionKeys
    let rtcpKeys: SRTPSessionKeys
    /// Per SSRC; the window's highest index carries the ROC (RFC 3711 §3.3.1).
    private var receivedRTP: [UInt32: SRTPReplayWindow] = [:]
    private var receivedRTCP: [UInt32: SRTPReplayWindow] = [:]
    /// Highest index protected per SSRC.
    private var sentRTP: [UInt32: UInt64] = [:]
    /// Last SRTCP index used per SSRC.
    private var sentRTCP: [UInt32: UInt32] = [:]

    /// SSRCs tracked per direction and packet kind. WHIP carries one audio and one video stream
    /// (two more with RTX); the bound only keeps a misbehaving peer from growing the tables.
    public static let maxStreams = 32

    public init(profile: SRTPProtectionProfile, masterKey: [UInt8], masterSalt: [UInt8]) throws(SRTPError) {
        guard masterKey.count == profile.masterKeyLength, masterSalt.count == profile.masterSaltLength else {
            throw .invalidKeyingMaterial
        }
        self.init(
            profile: profile,
            rtpKeys: SRTPSessionKeys(profile: profile, masterKey: masterKey, masterSalt: masterSalt, labels: .rtp),
            rtcpKeys: SRTPSessionKeys(profile: profile, masterKey: masterKey, masterSalt: masterSalt, labels: .rtcp)
        )
    }

    init(profile: SRTPProtectionProfile, rtpKeys: SRTPSessionKeys, rtcpKeys: SRTPSessionKeys) {
        self.profile = profile
        self.rtpKeys = rtpKeys
        self.rtcpKeys = rtcpKeys
    }

    /// The RFC 3711 tag length for CM, the GCM tag for AEAD.
    var tagLength: Int { profile.rtpOverhead }

    // MARK: - RTP

    /// Authenticates and decrypts one SRTP packet; returns the RTP packet (tag removed).
    public mutating func unprotectRTP(_ packet: ByteBuffer) throws(SRTPError) -> ByteBuffer {
        var packet = packet
        let start = packet.readerIndex
        let total = packet.readableBytes
        guard total >= RTPHeader.fixedLength + tagLength else { throw .tooShort }
        guard let headerLength = RTPHeader.length(of: packet), headerLength <= total - tagLength else {
            throw .malformedHeader
        }
        let sequenceNumber: UInt16 = packet.getInteger(at: start + 2)!
        let ssrc: UInt32 = packet.getInteger(at: start + 8)!
        let window = receivedRTP[ssrc] ?? SRTPReplayWindow()
        guard window.highest != nil || receivedRTP.count < Self.maxStreams else { throw .tooManyStreams }
        guard let index = SRTPPacketIndex.estimate(sequenceNumber, highest: window.highest), window.allows(index) else {
            throw .replayed
        }
        let bodyEnd = total - tagLength
        switch profile {
        case .aes128CMHMACSHA1_80:
            let roc = UInt32(truncatingIfNeeded: index >> 16)
            guard verifyTag(rtpKeys, packet, authenticated: bodyEnd, rolloverCounter: roc) else {
                throw .authenticationFailed
            }
            xorKeystream(rtpKeys, &packet, range: headerLength..<bodyEnd, ssrc: ssrc, index: index)
        case .aeadAES128GCM:
            try open(rtpKeys, &packet, ssrc: ssrc, low48: index, ciphertext: headerLength..<bodyEnd, aad: .range(0..<headerLength))
        }
        var accepted = window
        accepted.accept(index)
        receivedRTP[ssrc] = accepted
        packet.moveWriterIndex(to: start + bodyEnd)
        return packet
    }

    /// Encrypts and authenticates one RTP packet. The ROC follows the sequence numbers this
    /// context has protected for the SSRC (a wrap from 65535 to 0 increments it).
    public mutating func protectRTP(_ packet: ByteBuffer) throws(SRTPError) -> ByteBuffer {
        var packet = packet
        let start = packet.readerIndex
        let total = packet.readableBytes
        guard total >= RTPHeader.fixedLength else { throw .tooShort }
        guard let headerLength = RTPHeader.length(of: packet), headerLength <= total else { throw .malformedHeader }
        let sequenceNumber: UInt16 = packet.getInteger(at: start + 2)!
        let ssrc: UInt32 = packet.getInteger(at: start + 8)!
        let highest = sentRTP[ssrc]
        guard highest != nil || sentRTP.count < Self.maxStreams else { throw .tooManyStreams }
        guard let index = SRTPPacketIndex.estimate(sequenceNumber, highest: highest), index <= SRTPPacketIndex.maximum else {
            throw .indexExhausted
        }
        switch profile {
        case .aes128CMHMACSHA1_80:
            xorKeystream(rtpKeys, &packet, range: headerLength..<total, ssrc: ssrc, index: index)
            appendTag(rtpKeys, &packet, rolloverCounter: UInt32(truncatingIfNeeded: index >> 16))
        case .aeadAES128GCM:
            try seal(rtpKeys, &packet, ssrc: ssrc, low48: index, plaintext: headerLength..<total, aad: .range(0..<headerLength))
        }
        sentRTP[ssrc] = max(highest ?? 0, index)
        return packet
    }

    // MARK: - RTCP

    /// Authenticates and (when its E flag is set) decrypts one SRTCP packet; returns the compound
    /// RTCP packet without the index word and tag.
    public mutating func unprotectRTCP(_ packet: ByteBuffer) throws(SRTPError) -> ByteBuffer {
        var packet = packet
        let start = packet.readerIndex
        let total = packet.readableBytes
        // Header and sender SSRC (8), E|index (4), tag.
        guard total >= 8 + 4 + tagLength else { throw .tooShort }
        guard packet.getInteger(at: start, as: UInt8.self)! >> 6 == 2 else { throw .malformedHeader }
        let ssrc: UInt32 = packet.getInteger(at: start + 4)!
        // CM: …‖E|index‖tag. GCM: …‖tag‖E|index (RFC 7714 §9).
        let indexOffset = profile == .aes128CMHMACSHA1_80 ? total - tagLength - 4 : total - 4
        let word: UInt32 = packet.getInteger(at: start + indexOffset)!
        let encrypted = word & 0x8000_0000 != 0
        let index = word & 0x7FFF_FFFF
        let window = receivedRTCP[ssrc] ?? SRTPReplayWindow()
        guard window.highest != nil || receivedRTCP.count < Self.maxStreams else { throw .tooManyStreams }
        guard window.allows(UInt64(index)) else { throw .replayed }
        let bodyEnd = total - tagLength - 4
        switch profile {
        case .aes128CMHMACSHA1_80:
            guard verifyTag(rtcpKeys, packet, authenticated: total - tagLength, rolloverCounter: nil) else {
                throw .authenticationFailed
            }
            if encrypted {
                xorKeystream(rtcpKeys, &packet, range: 8..<bodyEnd, ssrc: ssrc, index: UInt64(index))
            }
        case .aeadAES128GCM:
            // The E|index word is associated data; unencrypted SRTCP authenticates the whole
            // packet that way (RFC 7714 §9.2, §17).
            let clear = encrypted ? 8 : bodyEnd
            var aad = packet.getBytes(at: start, length: clear)!
            aad.append(contentsOf: packet.getBytes(at: start + indexOffset, length: 4)!)
            try open(rtcpKeys, &packet, ssrc: ssrc, low48: UInt64(index), ciphertext: clear..<bodyEnd, aad: .bytes(aad))
        }
        var accepted = window
        accepted.accept(UInt64(index))
        receivedRTCP[ssrc] = accepted
        packet.moveWriterIndex(to: start + bodyEnd)
        return packet
    }

    /// Encrypts (E=1) and authenticates one compound RTCP packet with the next SRTCP index of
    /// its sender SSRC. Indices start at 1, as libsrtp's do.
    public mutating func protectRTCP(_ packet: ByteBuffer) throws(SRTPError) -> ByteBuffer {
        var packet = packet
        let start = packet.readerIndex
        let total = packet.readableBytes
        guard total >= 8 else { throw .tooShort }
        guard packet.getInteger(at: start, as: UInt8.self)! >> 6 == 2 else { throw .malformedHeader }
        let ssrc: UInt32 = packet.getInteger(at: start + 4)!
        let last = sentRTCP[ssrc]
        guard last != nil || sentRTCP.count < Self.maxStreams else { throw .tooManyStreams }
        let index = (last ?? 0) + 1
        guard index <= 0x7FFF_FFFF else { throw .indexExhausted }
        sentRTCP[ssrc] = index
        let word = 0x8000_0000 | index
        switch profile {
        case .aes128CMHMACSHA1_80:
            xorKeystream(rtcpKeys, &packet, range: 8..<total, ssrc: ssrc, index: UInt64(index))
            packet.writeInteger(word)
            appendTag(rtcpKeys, &packet, rolloverCounter: nil)
        case .aeadAES128GCM:
            var aad = packet.getBytes(at: start, length: 8)!
            aad.append(contentsOf: [UInt8(word >> 24), UInt8(truncatingIfNeeded: word >> 16), UInt8(truncatingIfNeeded: word >> 8), UInt8(truncatingIfNeeded: word)])
            try seal(rtcpKeys, &packet, ssrc: ssrc, low48: UInt64(index), plaintext: 8..<total, aad: .bytes(aad))
            packet.writeInteger(word)
        }
        return packet
    }
}
