import Foundation
import Plot

enum AuthPageView {
    static func render(_ model: AuthPageModel, context: PageContext) -> HTML {
        let isSignUp = model.mode == .signUp
        let title = isSignUp ? "Create your account" : "Sign in"
        let action = isSignUp ? SiteURL.signUp.path : SiteURL.signIn.path
        let showsForm = !isSignUp || model.passwordSignUp
        let returnQuery = model.returnTo.flatMap { $0.addingPercentEncoding(withAllowedCharacters: .urlQueryValueAllowed) }
        let oidcLink = SiteURL.oidcSignIn.path + (returnQuery.map { "?returnTo=" + $0 } ?? "")
        return Layout(title: isSignUp ? "Sign up" : "Sign in", context: context, main: .div(
            .class("auth-card"),
            .h1(.text(title)),
            .unwrap(model.errors["form"]) { message in
                .p(.class("form-error"), .attr("role", "alert"), .attr("id", "form-error"), .safe(message))
            },
            .unwrap(model.oidcName) { name in
                .a(.class("btn btn-secondary btn-block oidc-sign-in"), .id("oidc-sign-in"), .href(oidcLink),
                   .text("Sign in with \(name)"))
            },
            .if(model.oidcName != nil && showsForm, .p(.class("muted auth-divider"), .text("or"))),
            .if(showsForm, .form(
                .attr("action", action), .method(.post), .class("stack"), .novalidate(),
                CSRFField.node(context.csrfToken),
                .unwrap(model.returnTo) { path in
                    .input(.attr("type", "hidden"), .attr("name", "returnTo"), .attr("value", path))
                },
                field(name: "username", label: "Username", type: "text", value: model.username,
                      autocomplete: "username", help: isSignUp ? "3–24 letters, digits or underscores." : nil,
                      error: model.errors["username"]),
                field(name: "password", label: "Password", type: "password", value: "",
                      autocomplete: isSignUp ? "new-password" : "current-password",
                      help: isSignUp ? "At least 8 characters." : nil, error: model.errors["password"]),
                .button(.type(.submit), .class("btn btn-primary btn-block"), .text(isSignUp ? "Sign up" : "Sign in"))
            )),
            .p(.class("muted"),
               isSignUp ? .group(.text("Already have an account? "), .a(.href(SiteURL.signIn.path), .text("Sign in")))
                        : model.passwordSignUp ? .group(.text("New here? "), .a(.href(SiteURL.signUp.path), .text("Create an account")))
                        : .empty)
        )).render()
    }

    private static func field(name: String, label: String, type: String, value: String, autocomplete: String,
                              help: String?, error: String?) -> Node<HTML.FormContext> {
        let describedBy = [help.map { _ in "\(name)-help" }, error.map { _ in "\(name)-error" }].compactMap { $0 }
        return .div(
            .class("field"),
            .label(.attr("for", name), .text(label)),
            .input(
                .attr("id", name), .attr("name", name), .attr("type", type), .attr("value", value),
                .attr("autocomplete", autocomplete), .attr("required", "required"),
                .attr("aria-invalid", error == nil ? "false" : "true"),
                .attr("aria-describedby", describedBy.joined(separator: " "))
            ),
            .unwrap(help) { text in .p(.class("help"), .id("\(name)-help"), .text(text)) },
            .unwrap(error) { text in .p(.class("field-error"), .id("\(name)-error"), .safe(text)) }
        )
    }
}
