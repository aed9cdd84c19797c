/// The keys DTLS exports for SRTP (RFC 5764 §4.2), split by writer:
/// `client key | server key | client salt | server salt`.
///
/// Each side protects what it sends with its own write key, so a DTLS server (Metropole, for
/// WHIP) unprotects with the client's key and salt and protects with the server's.
public struct SRTPKeyingMaterial: Sendable, Equatable {
    /// Which end of the DTLS handshake a key belongs to.
    public enum Role: Sendable, Equatable {
        case client
        case server
    }

    public let profile: SRTPProtectionProfile
    public let clientMasterKey: [UInt8]
    public let serverMasterKey: [UInt8]
    public let clientMasterSalt: [UInt8]
    public let serverMasterSalt: [UInt8]

    /// `exported`: exactly `profile.keyingMaterialLength` bytes from
    /// `SSL_export_keying_material(…, "EXTRACTOR-dtls_srtp", …)`.
    public init(profile: SRTPProtectionProfile, exported: some Collection<UInt8>) throws(SRTPError) {
        let bytes = Array(exported)
        guard bytes.count == profile.keyingMaterialLength else { throw .invalidKeyingMaterial }
        let key = profile.masterKeyLength
        let salt = profile.masterSaltLength
        self.profile = profile
        self.clientMasterKey = Array(bytes[0..<key])
        self.serverMasterKey = Array(bytes[key..<2 * key])
        self.clientMasterSalt = Array(bytes[2 * key..<2 * key + salt])
        self.serverMasterSalt = Array(bytes[2 * key + salt..<2 * key + 2 * salt])
    }

    /// The context for packets written by `writer`: protect with it when `writer` is us,
    /// unprotect with it when `writer` is the peer.
    public func context(for writer: Role) throws(SRTPError) -> SRTPContext {
        switch writer {
        case .client: try SRTPContext(profile: profile, masterKey: clientMasterKey, masterSalt: clientMasterSalt)
        case .server: try SRTPContext(profile: profile, masterKey: serverMasterKey, masterSalt: serverMasterSalt)
        }
    }

    /// Both contexts for the end that played `localRole` in the handshake: `inbound` unprotects
    /// what the peer sends, `outbound` protects what we send.
    public func contexts(localRole: Role) throws(SRTPError) -> (inbound: SRTPContext, outbound: SRTPContext) {
        let peer: Role = localRole == .server ? .client : .server
        return (try context(for: peer), try context(for: localRole))
    }
}
