/// What `metropole --help` prints.
public enum CommandLineHelp {
    public static let text = """
    Metropole — a self-hosted live streaming platform.

    Usage: metropole [command] [options]

    Commands:
      serve      Serve pages, the JSON API, chat, playback and RTMP ingest (the default);
                 SIGTERM or SIGINT stop every service gracefully.
      migrate    Run pending database migrations and exit (serve runs them too).
      routes     List every HTTP route.
      db copy    --from <url> --to <url> [--force]: copy every table to another database
                 (resumable; refuses a non-empty target without --force).
      providers snippet <id>
                 Print the block for that streaming provider's media server configuration.
      admin grant <username> / admin revoke <username>
                 Give or take the admin role (the Admin page, /api/v1/admin/…).

    Environment:
      METROPOLE_HTTP_HOST   HTTP bind address (default 127.0.0.1)
      METROPOLE_HTTP_PORT   HTTP port (default 8080)
      METROPOLE_RTMP_PORT   RTMP ingest port (default 1935; 0 disables RTMP)
      METROPOLE_RTMP_HOST   RTMP bind address (default: the HTTP host)
      METROPOLE_WEBRTC_UDP_PORT  WHIP media port, one UDP port (default 8189; 0 disables WHIP)
      METROPOLE_WEBRTC_HOST      WHIP bind address (default: the HTTP host)
      METROPOLE_WEBRTC_PUBLIC_IP Address put in WHIP answers (default: the bind address)
      METROPOLE_WEBRTC_CONSENT_SECONDS  End a silent WHIP stream after N s (default 30)
      METROPOLE_PROVIDERS_FILE   Streaming providers besides the built-in engine (JSON or TOML)
      METROPOLE_DATA_DIR    Database file and uploads (default ./data; created if missing)
      DATABASE_URL          sqlite:///path (default: a file in the data dir), mysql://…, postgres://…
      METROPOLE_PUBLIC_URL  Base for absolute links and ingest URLs (default http://<host>:<port>)
      METROPOLE_BCRYPT_COST Password hashing work factor, 4–31 (default 12)
      METROPOLE_CHAT_RATE_LIMIT  Chat messages per 30 s, viewer/streamer (default 20/100)
      METROPOLE_WEBSOCKET_PING_SECONDS  Ping a WebSocket (chat, player) silent for N s, close it
                            if unanswered (default 30; METROPOLE_CHAT_PING_SECONDS is read too)
      METROPOLE_USER_WEBHOOK_SECRET  whsec_… secret of POST /api/v1/webhooks/users (user sync,
                            Standard Webhooks / Svix / Clerk); unset turns the endpoint off
      METROPOLE_OIDC_ISSUER      OpenID Connect issuer URL (discovery at /.well-known/openid-configuration)
      METROPOLE_OIDC_CLIENT_ID   Its client id; redirect URI <public URL>/signin/oidc/callback
      METROPOLE_OIDC_CLIENT_SECRET  Its client secret (none: a public client, PKCE only)
      METROPOLE_OIDC_NAME        Button label: "Sign in with <name>" (default: the issuer's host)
      METROPOLE_PASSWORD_SIGNUP  0: no sign-up with a password (default 1); sign-in still works
      METROPOLE_SITE_WEBHOOKS_FILE  The operator's webhook endpoints, JSON [{url, events, secret}]
      METROPOLE_WEBHOOKS_ALLOW_PRIVATE  1: webhooks to, pictures from loopback/private addresses (default 0)
      METROPOLE_WEBHOOKS_RETRY_SECONDS  First wait before a failed webhook is retried (default 5)
      LOG_LEVEL             trace, debug, info (default), notice, warning, error, critical
      LOG_FORMAT            text (default) or json: one JSON object per line
      METROPOLE_VOD_RETENTION_DAYS  Delete recorded videos older than N days (decimals; 0/unset: keep)
      METROPOLE_VOD_MAX_GB          Keep recordings under N GB, oldest go first (decimals; 0/unset: no cap)
      METROPOLE_LIVE_THUMBNAIL_SECONDS  A live frame becomes the card picture every N s (default 60; 0: off; needs ffmpeg)
      METROPOLE_METRICS_TOKEN  Bearer token for GET /metrics (Prometheus); unset: /metrics is 404
      METROPOLE_ROLE        all (default), web (pages, API, chat) or ingest (RTMP/WHIP, live media);
                            web and ingest need a shared mysql:// or postgres:// DATABASE_URL
      METROPOLE_NODE_URL    Where players reach this node (default: the public URL)
      METROPOLE_NODE_CAPACITY  Live streams this node takes before refusing publishers (default 400)

    A bad value stops start-up with one line naming the variable.
    """
}
