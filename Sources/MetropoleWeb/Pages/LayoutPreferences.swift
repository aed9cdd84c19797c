import Vapor

/// The viewer's layout choices, kept in a plain cookie so the server renders the page the
/// right way the first time (no flash of the wrong layout) and scripts can flip them.
struct LayoutPreferences: Sendable, Equatable {
    static let cookieName = "metropole_layout"

    enum Toggle: String, CaseIterable, Sendable {
        case theatre
        case chatHidden = "nochat"
        case sidebarCollapsed = "collapsed"

        /// The class the toggle puts on `<body>`.
        var bodyClass: String {
            switch self {
            case .theatre: "is-theatre"
            case .chatHidden: "is-chat-hidden"
            case .sidebarCollapsed: "is-sidebar-collapsed"
            }
        }
    }

    var enabled: Set<Toggle> = []

    init(enabled: Set<Toggle> = []) {
        self.enabled = enabled
    }

    init(request: Request) {
        self.init(cookies: request.cookies)
    }

    /// From cookies already parsed (Vapor parses the header again on every `request.cookies`).
    init(cookies: HTTPCookies) {
        self.init(cookieValue: cookies[Self.cookieName]?.string ?? "")
    }

    init(cookieValue: String) {
        enabled = Set(cookieValue.split(separator: ".").compactMap { Toggle(rawValue: String($0)) })
    }

    var cookieValue: String { Toggle.allCases.filter(enabled.contains).map(\.rawValue).joined(separator: ".") }

    var bodyClasses: [String] { Toggle.allCases.filter(enabled.contains).map(\.bodyClass) }

    func contains(_ toggle: Toggle) -> Bool { enabled.contains(toggle) }

    mutating func flip(_ toggle: Toggle) {
        if enabled.contains(toggle) { enabled.remove(toggle) } else { enabled.insert(toggle) }
    }

    func cookie() -> HTTPCookies.Value {
        // Readable by scripts on purpose: it holds no secret, only how the page looks.
        HTTPCookies.Value(string: cookieValue, maxAge: 365 * 24 * 3600, path: "/", isHTTPOnly: false, sameSite: .lax)
    }
}
