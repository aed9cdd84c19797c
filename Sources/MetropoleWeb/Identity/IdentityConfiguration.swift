import Foundation
import MetropoleStandardWebhooks

/// Users who live elsewhere: the user-sync webhook, OpenID Connect sign-in, and whether
/// people may still sign up with a password.
struct IdentityConfiguration: Sendable, Equatable {
    struct OIDC: Sendable, Equatable {
        /// `METROPOLE_OIDC_ISSUER`: exactly the `iss` the provider's tokens carry.
        var issuer: URL
        var clientID: String
        /// Nil for a public client (PKCE alone).
        var clientSecret: String?
        /// The button's label: "Sign in with <name>".
        var name: String
    }

    /// `METROPOLE_USER_WEBHOOK_SECRET` (`whsec_…`); nil turns `POST /webhooks/users` off (404).
    var userWebhookSecret: WebhookSecret?
    var oidc: OIDC?
    /// `METROPOLE_PASSWORD_SIGNUP=0` refuses sign-up by password (403 `signup_disabled`).
    var passwordSignUp = true

    static func load(_ value: (String) -> String?) throws(AppConfiguration.Error) -> IdentityConfiguration {
        var configuration = IdentityConfiguration()
        func flag(_ name: String, default fallback: Bool) throws(AppConfiguration.Error) -> Bool {
            guard let raw = value(name) else { return fallback }
            switch raw.lowercased() {
            case "1", "true", "yes", "on": return true
            case "0", "false", "no", "off": return false
            default: throw AppConfiguration.Error(variable: name, problem: "\"\(raw)\" is not 1 or 0")
            }
        }
        configuration.passwordSignUp = try flag("METROPOLE_PASSWORD_SIGNUP", default: true)

        if let secret = value("METROPOLE_USER_WEBHOOK_SECRET") {
            do { configuration.userWebhookSecret = try WebhookSecret(string: secret) } catch {
                throw AppConfiguration.Error(variable: "METROPOLE_USER_WEBHOOK_SECRET",
                                             problem: "not a whsec_ secret (whsec_ followed by base64 of 24–64 bytes)")
            }
        }

        let issuer = value("METROPOLE_OIDC_ISSUER"), clientID = value("METROPOLE_OIDC_CLIENT_ID")
        if issuer != nil || clientID != nil {
            guard let issuer else {
                throw AppConfiguration.Error(variable: "METROPOLE_OIDC_ISSUER", problem: "required when METROPOLE_OIDC_CLIENT_ID is set")
            }
            guard let clientID else {
                throw AppConfiguration.Error(variable: "METROPOLE_OIDC_CLIENT_ID", problem: "required when METROPOLE_OIDC_ISSUER is set")
            }
            guard let url = URL(string: issuer), let scheme = url.scheme?.lowercased(), let host = url.host?.lowercased(), !host.isEmpty,
                  scheme == "https" || (scheme == "http" && Self.isLoopback(host)), url.query == nil, url.fragment == nil
            else {
                throw AppConfiguration.Error(variable: "METROPOLE_OIDC_ISSUER",
                                             problem: "\"\(issuer)\" is not an https URL (http only on loopback) without query or fragment")
            }
            configuration.oidc = OIDC(issuer: url, clientID: clientID, clientSecret: value("METROPOLE_OIDC_CLIENT_SECRET"),
                                      name: value("METROPOLE_OIDC_NAME") ?? host)
        }
        return configuration
    }

    static func isLoopback(_ host: String) -> Bool {
        host == "localhost" || host.hasPrefix("127.") || host == "::1" || host == "[::1]"
    }
}
