// swift-tools-version:6.2
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

/// Tests read like specifications; they may lean on transitively imported members.
let testSwiftSettings: [SwiftSetting] = [.enableUpcomingFeature("ExistentialAny")]

let package = Package(
    name: "PaySync",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "paysync", targets: ["PaySyncCLI"]),
        .library(name: "PaySyncCore", targets: ["PaySyncCore"]),
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-configuration.git", from: "1.4.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-system.git", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", "3.12.3"..<"5.0.0"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth.git", from: "2.5.0"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache.git", from: "2.1.1"),
    ],
    targets: [
        // Pure domain: money, order numbers, the order state machine. No package dependencies, no I/O.
        .target(name: "PaySyncCore", swiftSettings: swiftSettings),
        // The system's OpenSSL 3 libcrypto: RSA private-key signing on Linux (docs/decisions.md).
        .systemLibrary(name: "COpenSSL", pkgConfig: "libcrypto", providers: [.apt(["libssl-dev"])]),
        // One adapter per gateway: wire models, signing, status maps, acks. Bytes in, bytes out; no sockets.
        .target(
            name: "PaySyncGateways",
            dependencies: [
                "PaySyncCore",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                .target(name: "COpenSSL", condition: .when(platforms: [.linux])),
            ],
            swiftSettings: swiftSettings
        ),
        // Moves adapter-built requests over HTTP (async-http-client); used by the engine and the sandbox.
        .target(
            name: "PaySyncTransport",
            dependencies: ["PaySyncGateways", .product(name: "AsyncHTTPClient", package: "async-http-client")],
            swiftSettings: swiftSettings
        ),
        // Plays all four gateways over HTTP on loopback: ledger, control API, redelivery, seeded faults.
        .target(
            name: "PaySyncSandbox",
            dependencies: [
                "PaySyncGateways", "PaySyncTransport",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        // The storage protocol every driver implements, and the records it speaks in.
        .target(name: "PaySyncStore", dependencies: ["PaySyncCore"], swiftSettings: swiftSettings),
        // One C call Swift cannot make (`sqlite3_config` is variadic): SQLite's memory statistics off.
        .target(name: "CSQLiteMemory", linkerSettings: [.linkedLibrary("sqlite3")]),
        // The embedded default driver: SQLite through GRDB (WAL, versioned migrations).
        .target(
            name: "PaySyncSQLite",
            dependencies: ["PaySyncStore", "CSQLiteMemory", .product(name: "GRDB", package: "GRDB.swift")],
            swiftSettings: swiftSettings
        ),
        // The driver for several instances on one database: PostgreSQL through postgres-nio (pooled).
        .target(
            name: "PaySyncPostgres",
            dependencies: [
                "PaySyncStore", .product(name: "PostgresNIO", package: "postgres-nio"), .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        // Use cases over the store: idempotent order creation, cancellation, timelines.
        .target(
            name: "PaySyncEngine",
            dependencies: [
                "PaySyncStore", "PaySyncGateways", "PaySyncTransport", .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"), .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
            ],
            swiftSettings: swiftSettings
        ),
        // The merchant HTTP API (Hummingbird 2): routes and controllers over the engine's services.
        .target(
            name: "PaySyncHTTP",
            dependencies: [
                "PaySyncEngine",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "HummingbirdAuth", package: "hummingbird-auth"),
                .product(name: "Mustache", package: "swift-mustache"),
            ],
            // The hand-written OpenAPI description served at /openapi.json (D54); the console's templates.
            resources: [.copy("Resources/openapi.json"), .copy("Resources/console")],
            swiftSettings: swiftSettings
        ),
        // The composition root: configuration, the store it names, the engine and the HTTP app wired once.
        .target(
            name: "PaySyncApp",
            dependencies: [
                "PaySyncEngine", "PaySyncHTTP", "PaySyncSQLite", "PaySyncPostgres", "PaySyncTransport",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Configuration", package: "swift-configuration"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "SystemPackage", package: "swift-system"),
            ],
            swiftSettings: swiftSettings
        ),
        // `paysync demo`: PaySync and the sandbox in one process, customers and faults on a simulated clock.
        .target(
            name: "PaySyncDemo",
            dependencies: [
                "PaySyncApp", "PaySyncSandbox", "PaySyncPostgres",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // The `paysync` command.
        .executableTarget(
            name: "PaySyncCLI",
            dependencies: [
                "PaySyncApp", "PaySyncSandbox", "PaySyncDemo",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "SystemPackage", package: "swift-system"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(name: "PaySyncCoreTests", dependencies: ["PaySyncCore"], swiftSettings: testSwiftSettings),
        // The engine without HTTP: rules as values; services over scripted gateways and a temporary SQLite store
        // (the sandbox only lends its credentials' adapters).
        .testTarget(
            name: "PaySyncEngineTests", dependencies: ["PaySyncEngine", "PaySyncSQLite", "PaySyncSandbox"],
            swiftSettings: testSwiftSettings
        ),
        .testTarget(
            name: "PaySyncGatewaysTests", dependencies: ["PaySyncGateways"], resources: [.copy("Fixtures")],
            swiftSettings: testSwiftSettings
        ),
        .testTarget(
            name: "PaySyncStoreConformanceTests",
            dependencies: ["PaySyncStore", "PaySyncSQLite", "PaySyncPostgres", "PaySyncEngine", .product(name: "GRDB", package: "GRDB.swift")],
            swiftSettings: testSwiftSettings
        ),
        .testTarget(
            name: "PaySyncSandboxTests",
            dependencies: ["PaySyncSandbox", "PaySyncEngine", .product(name: "HummingbirdTesting", package: "hummingbird")],
            swiftSettings: testSwiftSettings
        ),
        // Whole processes: the built `paysync` binary started, killed and restarted.
        .testTarget(
            name: "PaySyncSystemTests",
            dependencies: [
                "PaySyncSandbox", "PaySyncSQLite", "PaySyncPostgres", "PaySyncEngine", "PaySyncTransport", .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ],
            swiftSettings: testSwiftSettings
        ),
        .testTarget(
            name: "PaySyncDemoTests", dependencies: ["PaySyncDemo"], swiftSettings: testSwiftSettings
        ),
        .testTarget(
            name: "PaySyncHTTPTests",
            dependencies: [
                "PaySyncApp", "PaySyncSandbox", .product(name: "AsyncHTTPClient", package: "async-http-client"), .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "Prometheus", package: "swift-prometheus"), .product(name: "Configuration", package: "swift-configuration"),
                .product(name: "GRDB", package: "GRDB.swift"),
            ],
            swiftSettings: testSwiftSettings
        ),
    ]
)

// Benchmarks build only when asked for (`PAYSYNC_BENCHMARKS=1`), so CI never compiles them.
if Context.environment["PAYSYNC_BENCHMARKS"] == "1" {
    package.targets.append(
        .executableTarget(
            name: "PaySyncBench",
            dependencies: [
                "PaySyncSQLite", "PaySyncPostgres", "PaySyncGateways", "PaySyncSandbox", "PaySyncEngine", "PaySyncTransport",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Hummingbird", package: "hummingbird"),
            ],
            path: "Benchmarks/PaySyncBench",
            swiftSettings: swiftSettings
        )
    )
    package.products.append(.executable(name: "paysync-bench", targets: ["PaySyncBench"]))
}
