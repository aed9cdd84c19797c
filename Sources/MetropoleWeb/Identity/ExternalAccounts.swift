import Fluent
import MetropoleIdentity
import Vapor

/// Metropole accounts of people whose identity lives elsewhere (user sync, OpenID Connect):
/// found by (provider, subject), made on first sight with their stream like any sign-up,
/// renamed and re-pictured when their provider says so. They are full users; they just have
/// no password (their hash matches none).
enum ExternalAccounts {
    static let usernameTaken = APIError.conflict("No free username could be derived for this account.", code: "username_taken")

    static func identity(provider: String, subject: String, on database: any Database) async throws -> UserIdentity? {
        try await UserIdentity.query(on: database).filter(\.$provider == provider).filter(\.$subject == subject).first()
    }

    /// A new user with its stream and the identity linking them, named by `DerivedUsername`
    /// (the first free candidate). Returns the identity (its user loaded).
    static func create(provider: String, subject: String, profile: ExternalProfile, changedAt: Int64?,
                       in app: Application) async throws -> (UserIdentity, User) {
        // Two events for one new person may race; the unique indexes decide, and the loser
        // takes the next candidate or finds the identity the winner made.
        for _ in 0..<3 {
            let username = try await freeUsername(for: profile, seed: provider + "\n" + subject, excluding: nil, on: app.db)
            let user = User(username: username, passwordHash: Accounts.unknownPasswordHash)
            user.displayName = profile.displayName
            let identity = UserIdentity(provider: provider, subject: subject, userID: nil)
            identity.lastEventAt = changedAt
            do {
                try await app.db.transaction { database in
                    try await user.create(on: database)
                    try await Stream(userID: user.requireID(), title: Stream.defaultTitle(for: username)).create(on: database)
                    identity.$user.id = try user.requireID()
                    if let existing = try await Self.identity(provider: provider, subject: subject, on: database) {
                        // A tombstone or an identity whose user went: it is linked again.
                        existing.$user.id = identity.$user.id
                        existing.lastEventAt = changedAt
                        try await existing.save(on: database)
                    } else {
                        try await identity.create(on: database)
                    }
                }
            } catch let error as any DatabaseError where error.isConstraintFailure {
                if let raced = try await Self.identity(provider: provider, subject: subject, on: app.db),
                   let userID = raced.$user.id, let existing = try await User.find(userID, on: app.db) {
                    return (raced, existing)
                }
                continue
            }
            app.listings.invalidate()
            let saved = try await Self.identity(provider: provider, subject: subject, on: app.db) ?? identity
            await updatePicture(of: user, identity: saved, to: profile.imageURL, in: app)
            return (saved, user)
        }
        throw usernameTaken
    }

    /// The first of `DerivedUsername.candidates` nobody else holds (`excluding` may hold it:
    /// the user being renamed keeps a name that is still theirs).
    static func freeUsername(for profile: ExternalProfile, seed: String, excluding userID: UUID?,
                             on database: any Database) async throws -> String {
        let base = DerivedUsername.base(for: profile, reserved: Username.reserved)
        let candidates = DerivedUsername.candidates(base: base, seed: seed)
        let holders = try await User.query(on: database).filter(\.$usernameKey ~~ candidates.map(Username.key)).all()
        let taken = Set(holders.filter { $0.id != userID }.map(\.usernameKey))
        guard let free = candidates.first(where: { !taken.contains(Username.key($0)) && Username.problem(with: $0) == nil })
        else { throw usernameTaken }
        return free
    }

    /// Applies a newer profile: username (same derivation), display name, picture.
    static func update(_ user: User, identity: UserIdentity, to profile: ExternalProfile, in app: Application) async throws {
        let userID = try user.requireID()
        let username = try await freeUsername(for: profile, seed: identity.provider + "\n" + identity.subject, excluding: userID, on: app.db)
        if username != user.username || profile.displayName != user.displayName {
            let oldName = user.username
            user.username = username
            user.usernameKey = Username.key(username)
            user.displayName = profile.displayName
            do {
                try await app.db.transaction { database in
                    try await user.save(on: database)
                    // A title nobody chose follows the new name.
                    if oldName != username, let stream = try await Stream.query(on: database).filter(\.$user.$id == userID).first(),
                       stream.title == Stream.defaultTitle(for: oldName) {
                        stream.title = Stream.defaultTitle(for: username)
                        try await stream.save(on: database)
                    }
                }
            } catch let error as any DatabaseError where error.isConstraintFailure {
                throw usernameTaken
            }
            app.listings.invalidate()
            // Playback finds a live stream by the name it went live under: a renamed creator's
            // publisher is cut off, and their encoder's reconnect goes live under the new name.
            if oldName != username, let stream = try await Stream.query(on: app.db).filter(\.$user.$id == userID).first(), stream.isLive {
                await Ingress.disconnect(stream, in: app)
            }
        }
        await updatePicture(of: user, identity: identity, to: profile.imageURL, in: app)
    }

    /// Fetches a picture URL once: an unchanged URL is not fetched again, a picture that
    /// cannot be fetched or is not an image leaves the old one (and is logged), no URL
    /// removes the picture.
    static func updatePicture(of user: User, identity: UserIdentity, to url: String?, in app: Application) async {
        guard url != identity.imageSource else { return }
        identity.imageSource = url
        do {
            if let url {
                let bytes = try await RemoteImage.fetch(url, in: app)
                _ = try await Profiles.replaceAvatar(of: user, with: bytes, in: app)
            } else if let old = user.avatar {
                user.avatar = nil
                try await user.save(on: app.db)
                app.listings.invalidate()
                try await ImageUpload.removeIfUnused(old, kind: .avatars, in: app, on: app.db)
            }
        } catch {
            app.logger.warning("picture of \(user.username) not taken from \(url ?? "nothing"): \(error)")
        }
        do { try await identity.save(on: app.db) } catch {
            app.logger.warning("identity of \(user.username) not saved: \(error)")
        }
    }
}
