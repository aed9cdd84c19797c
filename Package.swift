// swift-tools-version: 6.1
import PackageDescription

let package = Package(
    name: "Metropole",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "metropole", targets: ["metropole"]),
        // For the load generators in Tools/LoadGenerators (their own package, decision 0015),
        // which decode what the server decodes with the server's own code.
        .library(name: "MetropoleRTMP", targets: ["MetropoleRTMP"]),
        .library(name: "MetropoleMedia", targets: ["MetropoleMedia"]),
    ],
    // `MySQL` builds the MariaDB Connector/C driver (needs Debian's libmariadb-dev); off by
    // default so a plain `swift build` needs no system library. `swift build --traits MySQL`.
    traits: [
        .trait(name: "MySQL", description: "MySQL/MariaDB support through MariaDB Connector/C (libmariadb-dev)"),
        .default(enabledTraits: []),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/vapor/vapor.git", from: "4.122.3"),
        .package(url: "https://github.com/vapor/fluent.git", from: "4.13.0"),
        .package(url: "https://github.com/vapor/fluent-sqlite-driver.git", from: "4.9.0"),
        .package(url: "https://github.com/vapor/fluent-postgres-driver.git", from: "2.14.0"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.0"),
        .package(url: "https://github.com/vapor/fluent-kit.git", from: "1.57.0"),
        .package(url: "https://github.com/vapor/sql-kit.git", from: "3.36.0"),
        .package(url: "https://github.com/JohnSundell/Plot.git", from: "0.14.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.35.2"),
        .package(url: "https://github.com/vapor/jwt-kit.git", from: "5.7.1"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.25.0"),
        .package(url: "https://github.com/LebJe/TOMLKit.git", from: "0.6.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", "3.12.3" ..< "5.0.0"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
    ],
    targets: [
        // Media model, codec records, fMP4/CMAF, LL-HLS, LiveHub. NIOCore only.
        .target(
            name: "MetropoleMedia",
            dependencies: [
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ]
        ),
        // RTMP ingest on SwiftNIO. Never imports Vapor or Fluent.
        .target(
            name: "MetropoleRTMP",
            dependencies: [
                "MetropoleMedia",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // The system OpenSSL (libssl-dev, 3.0 here), for DTLS 1.2 with the use_srtp extension.
        .systemLibrary(
            name: "COpenSSL",
            path: "Sources/COpenSSL",
            pkgConfig: "openssl",
            providers: [.apt(["libssl-dev"])]
        ),
        // C for what Swift cannot import from OpenSSL (function-like macros, variadic key
        // generation) and the one-datagram-per-write BIO DTLS writes its flights into.
        .target(name: "COpenSSLShim", dependencies: ["COpenSSL"]),
        // WebRTC ingest (WHIP): SDP, STUN/ICE-lite, DTLS (system OpenSSL), SRTP, RTP/RTCP,
        // H.264/Opus depacketizers and the UDP listener. Never imports Vapor or Fluent.
        .target(
            name: "MetropoleWebRTC",
            dependencies: [
                "MetropoleMedia",
                "COpenSSL",
                "COpenSSLShim",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
            ]
        ),
        // MariaDB Connector/C, linked dynamically (LGPL). Built only with the MySQL trait.
        .systemLibrary(
            name: "CMariaDB",
            path: "Sources/CMariaDB",
            pkgConfig: "libmariadb",
            providers: [.apt(["libmariadb-dev"])]
        ),
        // C functions for what Swift cannot import from mysql.h (function-like macros, varargs).
        .target(name: "CMariaDBShim", dependencies: ["CMariaDB"]),
        // Our MySQL/MariaDB driver: SQLKit database + dialect "mysql", FluentKit driver.
        // Never imports Vapor.
        .target(
            name: "MetropoleMySQL",
            dependencies: [
                "CMariaDB",
                "CMariaDBShim",
                .product(name: "SQLKit", package: "sql-kit"),
                .product(name: "FluentKit", package: "fluent-kit"),
                .product(name: "FluentSQL", package: "fluent-kit"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // Standard Webhooks signing and verification (deliveries out, user sync in).
        .target(
            name: "MetropoleStandardWebhooks",
            dependencies: [.product(name: "Crypto", package: "swift-crypto")]
        ),
        // What other identity systems send about their users (user-sync events, usernames
        // derived from them). Pure: never imports Vapor or Fluent.
        .target(
            name: "MetropoleIdentity",
            dependencies: [.product(name: "Crypto", package: "swift-crypto")]
        ),
        // The web application: configuration, models, controllers, views, chat, playback.
        .target(
            name: "MetropoleWeb",
            dependencies: [
                "MetropoleStandardWebhooks",
                "MetropoleMedia",
                "MetropoleIdentity",
                "MetropoleRTMP",
                "MetropoleWebRTC",
                .product(name: "Vapor", package: "vapor"),
                .product(name: "Fluent", package: "fluent"),
                .product(name: "FluentSQLiteDriver", package: "fluent-sqlite-driver"),
                .product(name: "FluentPostgresDriver", package: "fluent-postgres-driver"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .target(name: "MetropoleMySQL", condition: .when(traits: ["MySQL"])),
                .product(name: "Plot", package: "Plot"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
                .product(name: "NIOExtras", package: "swift-nio-extras"),
                .product(name: "SQLKit", package: "sql-kit"),
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "TOMLKit", package: "TOMLKit"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ]
        ),
        .executableTarget(
            name: "metropole",
            dependencies: [
                "MetropoleWeb",
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),
        // libFuzzer entry point over the ingest parsers: build with
        // `swift build --sanitize=fuzzer --sanitize=address --product MetropoleFuzz`.
        .executableTarget(
            name: "MetropoleFuzz",
            dependencies: ["MetropoleRTMP", "MetropoleMedia", .product(name: "NIOCore", package: "swift-nio")]
        ),
        // libFuzzer entry point over the WebRTC parsers and the media receiver; scripts/fuzz.
        .executableTarget(
            name: "MetropoleWebRTCFuzz",
            dependencies: ["MetropoleWebRTC", "MetropoleMedia", .product(name: "NIOCore", package: "swift-nio")]
        ),
        // libFuzzer entry point over what integrations send us (Standard Webhooks headers and
        // signatures, user-sync events); scripts/fuzz.
        .executableTarget(
            name: "MetropoleIntegrationsFuzz",
            dependencies: ["MetropoleStandardWebhooks", "MetropoleIdentity"]
        ),
        .testTarget(
            name: "MetropoleStandardWebhooksTests",
            dependencies: ["MetropoleStandardWebhooks"],
            // Seed inputs for scripts/fuzz, not test resources.
            exclude: ["Fixtures/corpus"]
        ),
        // What the media, RTMP and WebRTC tests share: recorders, the ffmpeg/ffprobe runner.
        .target(
            name: "MetropoleTestSupport",
            dependencies: ["MetropoleMedia"],
            path: "Tests/Support"
        ),
        .testTarget(
            name: "MetropoleIdentityTests",
            dependencies: ["MetropoleIdentity"]
        ),
        .testTarget(
            name: "MetropoleMediaTests",
            dependencies: ["MetropoleMedia", "MetropoleTestSupport"]
        ),
        .testTarget(
            name: "MetropoleRTMPTests",
            dependencies: [
                "MetropoleRTMP",
                "MetropoleTestSupport",
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOTestUtils", package: "swift-nio"),
                .product(name: "JWTKit", package: "jwt-kit"),
            ],
            // Seed inputs for scripts/fuzz, not test resources.
            exclude: ["Fixtures/corpus"]
        ),
        .testTarget(
            name: "MetropoleWebRTCTests",
            dependencies: [
                "MetropoleWebRTC",
                "MetropoleMedia",
                "MetropoleTestSupport",
                .product(name: "NIOEmbedded", package: "swift-nio"),
            ],
            // Captured packets and offers, their generators, the aiortc peer and the fuzz
            // seeds: read by path, not resources.
            exclude: ["Fixtures", "Peers"]
        ),
        // Driver tests and Fluent's/SQLKit's benchmark harnesses against a live MariaDB
        // (METROPOLE_TEST_MYSQL_URL); empty without the MySQL trait.
        .testTarget(
            name: "MetropoleMySQLTests",
            dependencies: [
                .target(name: "MetropoleMySQL", condition: .when(traits: ["MySQL"])),
                .product(name: "FluentBenchmark", package: "fluent-kit"),
                .product(name: "SQLKitBenchmark", package: "sql-kit"),
            ]
        ),
        .testTarget(
            name: "MetropoleWebTests",
            dependencies: [
                "MetropoleWeb",
                // ffmpeg and ffprobe, for the live thumbnail decoder's tests.
                "MetropoleTestSupport",
                "MetropoleIdentity",
                .product(name: "VaporTesting", package: "vapor"),
                // To mint ID tokens the OpenID Connect verifier must refuse.
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOTestUtils", package: "swift-nio"),
                // To create and drop a database per test on METROPOLE_TEST_DATABASE_URL.
                .product(name: "FluentPostgresDriver", package: "fluent-postgres-driver"),
                .target(name: "MetropoleMySQL", condition: .when(traits: ["MySQL"])),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)

