// swift-tools-version:6.2
import Foundation
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny")
]

let package = Package(
    name: "redress",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "redress", targets: ["redress"]),
        .library(name: "RedressDomain", targets: ["RedressDomain"]),
        .library(name: "RedressStorage", targets: ["RedressStorage"]),
        .library(name: "RedressApp", targets: ["RedressApp"]),
        .library(name: "RedressServer", targets: ["RedressServer"]),
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1", traits: ["FullFoundation"]),
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth.git", from: "2.5.0"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
        .package(url: "https://github.com/apple/swift-crypto.git", "3.12.3"..<"5.0.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        // Already in the graph through postgres-nio; named for TLS to PostgreSQL (sslmode).
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/weichsel/ZIPFoundation.git", from: "0.9.20"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache.git", from: "2.1.1"),
    ],
    targets: [
        // Pure domain: values and rules, no I/O, no clock reads, no database, no HTTP.
        .target(
            name: "RedressDomain",
            dependencies: [.product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: swiftSettings
        ),
        // Storage: the store protocols and their conformances, SQLite (GRDB, the embedded default) and PostgreSQL
        // (PostgresNIO, for several servers on one database), and the stored form of a case.
        .target(
            name: "RedressStorage",
            dependencies: [
                "RedressDomain",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
            ],
            resources: [.copy("Resources/calendars")],
            swiftSettings: swiftSettings
        ),
        // Mail read once: RFC 5322 headers, MIME parts, transfer encodings, RFC 2047/2231 and the Chinese charsets. Pure.
        .target(name: "RedressMail", swiftSettings: swiftSettings),
        // Case dossiers: built from a case's record in the store, written as ZIP archives, read back for offline checks.
        .target(
            name: "RedressDossier",
            dependencies: [
                "RedressDomain",
                "RedressStorage",
                .product(name: "ZIPFoundation", package: "ZIPFoundation"),
                .product(name: "Mustache", package: "swift-mustache"),
            ],
            resources: [.copy("Resources/templates")],
            swiftSettings: swiftSettings
        ),
        // The use cases: cases, accounts, merchants, webhooks, policy and the evidence log, with the access rules decided
        // once; the background services (deadline sweeper, outbox, tree-head signer). The only layer that talks to the store.
        .target(
            name: "RedressApp",
            dependencies: [
                "RedressDomain",
                "RedressStorage",
                "RedressDossier",
                "RedressMail",
                .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            swiftSettings: swiftSettings
        ),
        // What both HTTP edges share: the request context, authentication, the error body, JSON and multipart reading.
        .target(
            name: "RedressHTTP",
            dependencies: [
                "RedressDomain",
                "RedressApp",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        // The JSON API under /api/v1 and its OpenAPI document.
        .target(
            name: "RedressAPI",
            dependencies: [
                "RedressDomain",
                "RedressApp",
                "RedressHTTP",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            resources: [.copy("Resources/openapi.json")],
            swiftSettings: swiftSettings
        ),
        // The web pages: member, staff, merchant, reviewer and admin portals, their templates and assets.
        .target(
            name: "RedressWeb",
            dependencies: [
                "RedressDomain",
                "RedressApp",
                "RedressHTTP",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            resources: [.copy("Resources/templates"), .copy("Resources/web")],
            swiftSettings: swiftSettings
        ),
        // The one place that wires the application: the use cases, both edges and the background services.
        .target(
            name: "RedressServer",
            dependencies: [
                "RedressDomain",
                "RedressApp",
                "RedressHTTP",
                "RedressAPI",
                "RedressWeb",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            swiftSettings: swiftSettings
        ),
        // The `redress` command line: parses flags and calls into the server and the use cases.
        .executableTarget(
            name: "redress",
            dependencies: [
                "RedressServer",
                "RedressApp",
                "RedressStorage",
                "RedressDomain",
                "RedressDossier",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            swiftSettings: swiftSettings
        ),
        // What the test targets share: temporary folders removed at exit, whether PostgreSQL is required.
        .target(name: "RedressTestSupport", path: "Tests/RedressTestSupport", swiftSettings: swiftSettings),
        .testTarget(name: "RedressDomainTests", dependencies: ["RedressDomain"], exclude: ["Corpus"], swiftSettings: swiftSettings),
        .testTarget(
            name: "RedressMailTests", dependencies: ["RedressMail", .product(name: "Crypto", package: "swift-crypto")], exclude: ["Corpus"],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "RedressStorageTests",
            dependencies: ["RedressStorage", "RedressDomain", "RedressTestSupport"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "RedressAPITests",
            dependencies: [
                "RedressServer",
                "RedressApp",
                "RedressHTTP",
                "RedressAPI",
                "RedressWeb",
                "RedressStorage",
                "RedressDomain",
                "RedressDossier",
                "RedressMail",
                "RedressTestSupport",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            swiftSettings: swiftSettings
        ),
    ]
)

// Benchmarks (ordo-one/benchmark) are added only when asked for, so that the everyday build and
// `swift test` do not compile the harness: REDRESS_BENCHMARKS=1 swift package --scratch-path .build-bench benchmark
if ProcessInfo.processInfo.environment["REDRESS_BENCHMARKS"] != nil {
    package.dependencies.append(.package(url: "https://github.com/ordo-one/benchmark.git", from: "1.38.1", traits: ["MallocInterposer"]))
    package.targets.append(
        .executableTarget(
            name: "RedressBenchmarks",
            dependencies: [
                "RedressDomain", "RedressStorage", "RedressDossier", .product(name: "Benchmark", package: "benchmark"),
                .product(name: "GRDB", package: "GRDB.swift"), .product(name: "Crypto", package: "swift-crypto"),
            ],
            path: "Benchmarks/RedressBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ))
}
