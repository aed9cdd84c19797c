/// The sign-in and sign-up forms, with what the visitor typed and what went wrong.
struct AuthPageModel: Sendable {
    enum Mode: Sendable {
        case signIn
        case signUp
    }

    var mode: Mode
    var username: String = ""
    var returnTo: String? = nil
    /// Messages per field (`username`, `password`) or `form` for the whole form.
    var errors: [String: String] = [:]
    /// The OpenID Connect provider's name for "Sign in with …", when one is configured.
    var oidcName: String? = nil
    /// False when `METROPOLE_PASSWORD_SIGNUP=0`: no sign-up form, no link to it.
    var passwordSignUp = true
}
