import Vapor

func routes(_ app: Application) throws {
    // health
    app.get("healthz") { _ in "ok" }

    // pages
    do {
        app.get(SiteURL.home.routeComponents.pathComponents, use: HomeController.show)
        app.get(SiteURL.signUp.routeComponents.pathComponents, use: AuthPagesController.signUpForm)
        app.post(SiteURL.signUp.routeComponents.pathComponents, use: AuthPagesController.signUp)
        app.get(SiteURL.signIn.routeComponents.pathComponents, use: AuthPagesController.signInForm)
        app.post(SiteURL.signIn.routeComponents.pathComponents, use: AuthPagesController.signIn)
        app.post(SiteURL.signOut.routeComponents.pathComponents, use: AuthPagesController.signOut)
        app.get("favicon.ico") { request in request.redirect(to: request.application.assets.url("/img/favicon.svg")) }
    }

    // JSON API
    let api = app.grouped("api", "v1")
    do { // accounts
        api.post("users", use: UsersAPIController.create)
        api.get("users", ":username", use: UsersAPIController.show)
        api.post("sessions", use: SessionsAPIController.create)
        api.delete("sessions", "current", use: SessionsAPIController.deleteCurrent)
        api.get("me", use: MeAPIController.show)
        api.patch("me", use: MeAPIController.update)
    }
}

extension Array where Element == String {
    var pathComponents: [PathComponent] { map { PathComponent(stringLiteral: $0) } }
}
