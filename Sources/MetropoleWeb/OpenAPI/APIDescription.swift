import MetropoleMedia
import Vapor

/// Every `/api/v1` route, described once. To describe a new route, append one `APIRoute` to
/// `routes` (and its schemas to `APISchemas` if it answers a new shape); the drift test fails
/// while a registered route is missing here or a described one is not registered.
enum APIDescription {
    static let routes: [APIRoute] = accounts + social + streams + videos + ingest + chat + webhooks + admin + meta

    private static let imageTypes = ["image/png", "image/jpeg", "image/webp"]
    private static let username: JSONSchema = .string(length: 3...24, pattern: "^[A-Za-z0-9_]+$")

    static let accounts: [APIRoute] = [
        .init(method: .POST, route: .users, summary: "Sign up", tag: "accounts",
              body: .json(.object(["username": username, "password": .string(length: 8...200)], required: ["username", "password"])),
              answers: [201: .json("The new account.", .ref("UserEnvelope")), 409: .error("The username is taken."),
                        429: .error("Too many sign-ups from this address.")]),
        .init(method: .GET, route: .user(""), summary: "A user's public profile", tag: "accounts",
              answers: [200: .json("The profile.", .ref("PublicUser"))]),
        .init(method: .POST, route: .sessions, summary: "Sign in: a Bearer token", tag: "accounts",
              body: .json(.object(["username": .string, "password": .string], required: ["username", "password"])),
              answers: [201: .json("The token (shown once) and the user.", .ref("Session")),
                        401: .error("Wrong username or password."), 403: .error("The account is suspended."),
                        429: .error("Too many attempts; Retry-After says when to try again.")]),
        .init(method: .DELETE, route: .currentSession, summary: "Sign out: the token stops working", tag: "accounts",
              access: .user, answers: [204: .empty("Signed out.")]),
        .init(method: .GET, route: .me, summary: "The signed-in user", tag: "accounts", access: .user,
              answers: [200: .json("The user.", .ref("UserEnvelope"))]),
        .init(method: .PATCH, route: .me, summary: "Change bio or streaming provider", tag: "accounts", access: .user,
              body: .json(.object(["bio": .string(length: 0...500), "preferredProvider": .string])),
              answers: [200: .json("The user.", .ref("UserEnvelope"))]),
        .init(method: .PUT, route: .ownAvatar, summary: "Replace the avatar (raw image body)", tag: "accounts", access: .user,
              body: .media(imageTypes),
              answers: [200: .json("Where it is served.", .object(["avatarUrl": .string], required: ["avatarUrl"])),
                        413: .error("Larger than 4 MiB."), 415: .error("Not a PNG, JPEG or WebP image (checked by content).")]),
    ]

    static let social: [APIRoute] = [SiteURL.API.following, SiteURL.API.blocked].flatMap { list -> [APIRoute] in
        let noun = list(nil) == .following(nil) ? "following" : "blocked"
        let item: JSONSchema = noun == "following"
            ? .object(["username": .string, "isLive": .boolean], required: ["username", "isLive"])
            : .object(["username": .string], required: ["username"])
        let target: [Int: APIRoute.Answer] = [204: .empty("Done."), 403: .error("That user blocks you."), 422: .error("Not yourself.")]
        return [
            .init(method: .GET, route: list(nil), summary: noun == "following" ? "Who you follow, live first" : "Who you block",
                  tag: "social", access: .user, answers: [200: .json("The list.", .array(item))]),
            .init(method: .PUT, route: list(""), summary: noun == "following" ? "Follow" : "Block (also unfollows both ways and ejects)",
                  tag: "social", access: .user, answers: target),
            .init(method: .DELETE, route: list(""), summary: noun == "following" ? "Unfollow" : "Unblock",
                  tag: "social", access: .user, answers: target),
        ]
    }

    static let streams: [APIRoute] = [
        .init(method: .GET, route: .streams, summary: "Channels, live first", tag: "streams",
              query: ["q": .string, "live": .boolean, "limit": .integer(1...200)],
              answers: [200: .json("The channels the caller may see.", .array(.ref("StreamSummary")))]),
        .init(method: .GET, route: .stream(""), summary: "One channel", tag: "streams",
              answers: [200: .json("The channel.", .ref("Stream"))]),
        .init(method: .PATCH, route: .ownStream, summary: "Title, chat settings and the card picture choice", tag: "streams", access: .user,
              body: .json(.object(["title": .string(length: 1...140), "chatEnabled": .boolean,
                                   "slowModeSeconds": .integer(0...3600), "followersOnly": .boolean, "record": .boolean,
                                   "keepUploadedThumbnail": .boolean])),
              answers: [200: .json("The channel.", .object(["stream": .ref("Stream")], required: ["stream"]))]),
        .init(method: .PUT, route: .ownThumbnail, summary: "Replace the thumbnail (raw image body)", tag: "streams", access: .user,
              body: .media(imageTypes),
              answers: [200: .json("Where it is served.", .object(["thumbnailUrl": .string], required: ["thumbnailUrl"])),
                        413: .error("Larger than 4 MiB."), 415: .error("Not a PNG, JPEG or WebP image (checked by content).")]),
        .init(method: .GET, route: .ownStreamHealth, summary: "The own stream's ingest health", tag: "streams", access: .user,
              answers: [200: .json("Codec, size, bitrate, uptime and viewers while live.", .ref("StreamHealth"))]),
        .init(method: .GET, route: .events, summary: "Server-sent events: live status and viewer counts", tag: "streams",
              answers: [200: .text("An endless event stream.", mediaType: "text/event-stream")]),
    ]

    static let videos: [APIRoute] = [
        .init(method: .GET, route: .channelVideos(""), summary: "A channel's recorded broadcasts, newest first", tag: "videos",
              answers: [200: .json("The videos.", .array(.ref("Video"))),
                        404: .error("No such channel, or its owner blocks you.")]),
        .init(method: .GET, route: .video(""), summary: "One recorded broadcast, with its HLS VOD playlist", tag: "videos",
              answers: [200: .json("The video.", .ref("Video")), 404: .error("No such video, or its owner blocks you.")]),
        .init(method: .PATCH, route: .ownVideo(""), summary: "Rename your video", tag: "videos", access: .user,
              body: .json(.object(["title": .string(length: 1...140)], required: ["title"])),
              answers: [200: .json("The video.", .ref("Video")), 404: .error("Not one of your videos.")]),
        .init(method: .DELETE, route: .ownVideo(""), summary: "Delete your video and its files", tag: "videos", access: .user,
              answers: [204: .empty("Deleted."), 404: .error("Not one of your videos.")]),
    ]

    static let ingest: [APIRoute] = [
        .init(method: .POST, route: .ingress, summary: "A new stream key (replaces and disconnects the old)", tag: "ingest",
              access: .user, body: .json(.object(["protocol": .strings(IngestProtocol.allCases.map(\.rawValue))]), required: false),
              answers: [201: .json("The ingest URL and key.", .ref("Ingress"))]),
        .init(method: .GET, route: .ingress, summary: "The current ingest URL and key", tag: "ingest", access: .user,
              answers: [200: .json("The ingest URL and key.", .ref("Ingress")), 404: .error("No key yet.")]),
        .init(method: .DELETE, route: .ingress, summary: "Remove the stream key", tag: "ingest", access: .user,
              answers: [204: .empty("Removed; a publisher using it is disconnected.")]),
        .init(method: .POST, route: .whip, summary: "WHIP publish (RFC 9725): SDP offer in, answer out", tag: "ingest",
              access: .streamKey, body: .media(["application/sdp"]),
              answers: [201: .text("The SDP answer; Location names the session.", mediaType: "application/sdp", headers: ["Location"]),
                        400: .error("The offer is not SDP."), 404: .error("WHIP is turned off on this server."),
                        415: .error("Not application/sdp."), 422: .error("The offer has no usable H.264 video or Opus audio."),
                        429: .error("Too many attempts from this address."), 503: .error("At capacity; Retry-After says when.")]),
        .init(method: .OPTIONS, route: .whip, summary: "WHIP CORS preflight", tag: "ingest",
              answers: [204: .empty("Accept-Post and the CORS headers.")]),
        .init(method: .DELETE, route: .whipSession(""), summary: "End a WHIP session", tag: "ingest",
              answers: [200: .empty("Ended; the stream goes offline.")]),
        .init(method: .PATCH, route: .whipSession(""), summary: "Trickle ICE (accepted, not needed: ICE-lite)", tag: "ingest",
              body: .media(["application/trickle-ice-sdpfrag"]),
              answers: [204: .empty("Accepted."), 415: .error("Not application/trickle-ice-sdpfrag."),
                        422: .error("An ICE restart, which is not supported.")]),
        .init(method: .OPTIONS, route: .whipSession(""), summary: "WHIP session CORS preflight", tag: "ingest",
              answers: [204: .empty("Accept-Patch and the CORS headers.")]),
        .init(method: .GET, route: .providers, summary: "The streaming providers creators may choose", tag: "ingest",
              answers: [200: .json("Built-in first, then those the operator enabled.", .array(.ref("Provider")))]),
    ] + [HTTPMethod.POST, .GET].map { method -> APIRoute in
        APIRoute(method: method, route: .providerHook("", ""), summary: "A media server's hook (its own payload)", tag: "ingest",
              access: .provider, body: method == .POST ? .any : nil,
              answers: [200: .json("The provider's own answer.", JSONSchema()), 204: .empty("Applied."),
                        400: .error("A malformed hook body."), 403: .error("Publishing refused (unknown key, suspended)."),
                        404: .error("No such provider or hook."), 415: .error("Not a body this hook reads."),
                        422: .error("A hook body missing what the provider always sends.")])
    }

    static let chat: [APIRoute] = [
        .init(method: .GET, route: .chat(""), summary: "The chat WebSocket (frames in the contract)", tag: "chat",
              answers: [101: .empty("Switching to WebSocket."), 403: .error("Blocked or kicked by the streamer."),
                        426: .error("Not a WebSocket upgrade.")]),
        .init(method: .GET, route: .chatters(""), summary: "Who has the chat open", tag: "chat", query: ["q": .string],
              answers: [200: .json("At most 500 names; the count covers everyone.", .ref("Chatters"))]),
        .init(method: .POST, route: .kicks(""), summary: "Kick a viewer from your channel", tag: "chat", access: .user,
              body: .json(.object(["seconds": .integer(Moderation.kickSecondsRange)]), required: false),
              answers: [204: .empty("Kicked: their player and chat close at once."), 422: .error("Yourself, or seconds out of range.")]),
    ]

    private static let webhookEvents: JSONSchema = .array(.strings(WebhookEventType.allCases.map(\.rawValue)))

    static let webhooks: [APIRoute] = [
        .init(method: .GET, route: .webhooks, summary: "Your outbound webhook endpoints", tag: "webhooks", access: .user,
              answers: [200: .json("The endpoints (secrets are never listed).", .array(.ref("Webhook")))]),
        .init(method: .POST, route: .webhooks, summary: "Add an endpoint; its whsec_ secret is in this answer only", tag: "webhooks",
              access: .user, body: .json(.object(["url": .string, "events": webhookEvents], required: ["url", "events"])),
              answers: [201: .json("The endpoint with its secret.", .ref("Webhook")),
                        422: .error("A bad or private URL, unknown events, or more than 10 endpoints.")]),
        .init(method: .GET, route: .webhook(""), summary: "One endpoint and its 20 newest deliveries", tag: "webhooks", access: .user,
              answers: [200: .json("The endpoint.", .ref("Webhook"))]),
        .init(method: .PATCH, route: .webhook(""), summary: "Change an endpoint's URL or events", tag: "webhooks", access: .user,
              body: .json(.object(["url": .string, "events": webhookEvents])),
              answers: [200: .json("The endpoint.", .ref("Webhook"))]),
        .init(method: .DELETE, route: .webhook(""), summary: "Remove an endpoint and its queue", tag: "webhooks", access: .user,
              answers: [204: .empty("Removed.")]),
        .init(method: .POST, route: .webhookTest(""), summary: "Queue a webhook.test event", tag: "webhooks", access: .user,
              answers: [202: .json("Queued.", .object(["delivery": .ref("WebhookDelivery")], required: ["delivery"]))]),
        .init(method: .POST, route: .userWebhooks, summary: "User sync from an identity provider (Standard Webhooks, Svix, Clerk)",
              tag: "webhooks", body: .json(.object(["type": .string, "data": .object([:])], required: ["type", "data"])),
              answers: [200: .json("Applied, or acknowledged and ignored.", .object([
                            "result": .strings(["applied", "ignored"]),
                            "reason": .strings(["replay", "stale", "deleted", "unhandled_type"]),
                        ], required: ["result"])),
                        401: .error("A bad signature or a timestamp more than five minutes away."),
                        404: .error("User sync is not configured on this server.")]),
    ]

    static let admin: [APIRoute] = [
        .init(method: .GET, route: .adminStreams, summary: "Live streams now", tag: "admin", access: .admin,
              answers: [200: .json("Every live stream.", .array(.ref("AdminStream")))]),
        .init(method: .POST, route: .adminEndStream(""), summary: "End a stream and refuse its key until the creator regenerates it",
              tag: "admin", access: .admin, answers: [204: .empty("Ended.")]),
        .init(method: .GET, route: .adminUsers, summary: "Users, by name", tag: "admin", access: .admin,
              query: ["q": .string, "suspended": .boolean],
              answers: [200: .json("At most 100 users.", .array(.ref("AdminUser")))]),
        .init(method: .PUT, route: .adminSuspension(""), summary: "Suspend a user, with a reason", tag: "admin", access: .admin,
              body: .json(.object(["reason": .string(length: 1...500)], required: ["reason"])),
              answers: [200: .json("The user, suspended.", .object(["user": .ref("AdminUser")], required: ["user"])),
                        422: .error("No reason, or yourself.")]),
        .init(method: .DELETE, route: .adminSuspension(""), summary: "Lift a suspension", tag: "admin", access: .admin,
              answers: [200: .json("The user, no longer suspended.", .object(["user": .ref("AdminUser")], required: ["user"]))]),
        .init(method: .GET, route: .adminAudit, summary: "Admin actions, newest first", tag: "admin", access: .admin,
              query: ["limit": .integer(1...500)],
              answers: [200: .json("The audit log.", .array(.ref("AuditEntry")))]),
        .init(method: .GET, route: .adminNodes, summary: "The site's living nodes (several nodes on one database)", tag: "admin",
              access: .admin, answers: [200: .json("Every node whose heartbeat is fresh; [] on a single-node site.", .array(.ref("Node")))]),
    ]

    static let meta: [APIRoute] = [
        .init(method: .GET, route: .openAPI, summary: "This description", tag: "meta",
              answers: [200: .json("OpenAPI 3.1.", .object([:]))]),
    ]
}
