// swift-tools-version: 6.1
import PackageDescription

// The load generators of scripts/bench, apart from the product (decision 0015). They take the
// product package by path for the decoders the server itself runs: an RTMP chunk stream is
// read by MetropoleRTMP's `ChunkDecoder`, and the tests check the fMP4 reader against
// MetropoleMedia's writers. Linux only: the chat load's idle readers are raw epoll sockets.
let package = Package(
    name: "MetropoleLoadGenerators",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "metropole-video-load", targets: ["MetropoleVideoLoad"]),
        .executable(name: "metropole-chat-load", targets: ["MetropoleChatLoad"]),
    ],
    dependencies: [
        // Named, because a path dependency is otherwise known by its folder's name, which is
        // whatever the checkout is called.
        .package(name: "Metropole", path: "../.."),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
    ],
    targets: [
        // What both tools need: `--name value` options, output, clocks, a WebSocket client.
        .target(
            name: "LoadSupport",
            dependencies: [
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
            ]
        ),
        // <sys/epoll.h>, which Swift's Glibc module leaves out.
        .systemLibrary(name: "CEpoll", path: "Sources/CEpoll"),
        // Many WebSocket or LL-HLS viewers of one stream; an RTMP relay that times what the publisher sends.
        .executableTarget(
            name: "MetropoleVideoLoad",
            dependencies: [
                "LoadSupport",
                .product(name: "MetropoleRTMP", package: "Metropole"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
            ]
        ),
        // Thousands of chat sockets on one channel (raw epoll readers) and one NIO sender.
        .executableTarget(
            name: "MetropoleChatLoad",
            dependencies: [
                "LoadSupport",
                "CEpoll",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
            ]
        ),
        .testTarget(
            name: "MetropoleVideoLoadTests",
            dependencies: [
                "MetropoleVideoLoad",
                .product(name: "MetropoleMedia", package: "Metropole"),
                .product(name: "NIOCore", package: "swift-nio"),
            ]
        ),
        .testTarget(
            name: "MetropoleChatLoadTests",
            dependencies: [
                "MetropoleChatLoad",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)
