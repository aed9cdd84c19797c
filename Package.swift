// swift-tools-version: 6.1
import PackageDescription

let package = Package(
    name: "Metropole",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "metropole", targets: ["metropole"]),
        .executable(name: "metropole-video-load", targets: ["MetropoleVideoLoad"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/vapor/vapor.git", from: "4.122.3"),
        .package(url: "https://github.com/vapor/fluent.git", from: "4.13.0"),
        .package(url: "https://github.com/vapor/fluent-sqlite-driver.git", from: "4.9.0"),
        .package(url: "https://github.com/JohnSundell/Plot.git", from: "0.14.0"),
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
        // The web application: configuration, models, controllers, views, chat, playback.
        .target(
            name: "MetropoleWeb",
            dependencies: [
                "MetropoleMedia",
                "MetropoleRTMP",
                .product(name: "Vapor", package: "vapor"),
                .product(name: "Fluent", package: "fluent"),
                .product(name: "FluentSQLiteDriver", package: "fluent-sqlite-driver"),
                .product(name: "Plot", package: "Plot"),
            ]
        ),
        .executableTarget(
            name: "metropole",
            dependencies: ["MetropoleWeb"]
        ),
        // libFuzzer entry point over the ingest parsers: build with
        // `swift build --sanitize=fuzzer --sanitize=address --product MetropoleFuzz`.
        .executableTarget(
            name: "MetropoleFuzz",
            dependencies: ["MetropoleRTMP", "MetropoleMedia", .product(name: "NIOCore", package: "swift-nio")]
        ),
        // Load generator for scripts/bench: many WebSocket viewers, an RTMP timing relay.
        // SwiftNIO only, so it stays lean enough not to be the bottleneck.
        .executableTarget(
            name: "MetropoleVideoLoad",
            dependencies: [
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ]
        ),
        .testTarget(
            name: "MetropoleMediaTests",
            dependencies: ["MetropoleMedia"]
        ),
        .testTarget(
            name: "MetropoleRTMPTests",
            dependencies: [
                "MetropoleRTMP",
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOTestUtils", package: "swift-nio"),
            ],
            // Seed inputs for scripts/fuzz, not test resources.
            exclude: ["Fixtures/corpus"]
        ),
        .testTarget(
            name: "MetropoleWebTests",
            dependencies: [
                "MetropoleWeb",
                .product(name: "VaporTesting", package: "vapor"),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)

