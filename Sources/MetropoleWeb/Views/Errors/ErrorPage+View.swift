import Plot

/// 404, 500 and every other error, in the site's design.
enum ErrorPageView {
    static func render(status: Int, message: String, context: PageContext) -> HTML {
        let heading = switch status {
        case 404: "This page does not exist"
        case 401, 403: "You can't open this page"
        case 500...: "Something went wrong on our side"
        default: "That did not work"
        }
        let hint = status >= 500 ? "Try again in a moment. If it keeps happening, tell the site's operator." : message
        return Layout(title: heading, context: context, main: .div(
            .class("error-page"),
            .p(.class("error-code"), .text(String(status))),
            .h1(.text(heading)),
            .p(.class("muted"), .safe(hint)),
            .a(.class("btn btn-primary"), .href(SiteURL.home.path), .text("Back to home"))
        )).render()
    }
}
