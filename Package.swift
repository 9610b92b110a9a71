// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "ServiceCoach",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "coach", targets: ["coach"]),
        .executable(name: "coach-bench", targets: ["coach-bench"]),
        .executable(name: "coach-fuzz", targets: ["coach-fuzz"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.1.1"),
        // The platforms' HTTP: SwiftNIO underneath, so a platform that never answers costs no CPU while the bot
        // waits (URLSession on Linux spun a core; see the README's "The HTTP client").
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        // The CSV library: the tests read every exported file back with it, field by field, and hold the export's own
        // writer to its bytes; the benchmark times the two writers side by side (why the export has its own: the
        // README's "coach export", and CoachReport/Export/CSVFormat.swift).
        .package(url: "https://github.com/yaslab/CSV.swift", from: "2.5.2"),
        // `coach backup`: the state as one gzip stream (zlib underneath, the format `gunzip` reads), over the
        // ByteBuffer of the SwiftNIO the bot already builds.
        .package(url: "https://github.com/adam-fowler/compress-nio", from: "1.5.0"),
        // Running it as a service: `--listen` serves /healthz and /metrics (Hummingbird); the bot counts what it does
        // through swift-metrics, exported as Prometheus text.
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        // Tests only: the local fake platform servers the adapters' contract tests run against.
        .package(url: "https://github.com/swhitty/FlyingFox", from: "0.27.1"),
    ],
    targets: [
        // The programme, commands, engine, schedule, summaries and templates. Pure: no clock reads, no I/O.
        .target(
            name: "CoachCore",
            dependencies: [.product(name: "Mustache", package: "swift-mustache")]
        ),
        // Durable JSON state: snapshot plus append-only journal, atomic writes, one-bot lock.
        .target(name: "CoachStore"),
        // The seam between the bot and a chat: sending (every platform), reading (two-way ones), check findings.
        .target(name: "CoachChat", dependencies: ["CoachCore"]),
        // Every chat platform, one folder each: the console, and the real ones over HTTP (AsyncHTTPClient).
        .target(
            name: "CoachPlatforms",
            dependencies: [
                "CoachCore", "CoachChat", .product(name: "Logging", package: "swift-log"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),
        // The loops, the outbox, backoff and graceful shutdown. It knows no concrete platform: the executable picks one.
        .target(
            name: "CoachRuntime",
            dependencies: [
                "CoachCore", "CoachStore", "CoachChat",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // The health and metrics endpoints (`coach run --listen`): Hummingbird, the Prometheus exporter.
        .target(
            name: "CoachOperations",
            dependencies: [
                "CoachRuntime",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ]
        ),
        // What a manager reads and takes away: the self-contained HTML report (page model, inline SVG charts) and
        // the CSV and JSON exports, all from a state read without the bot's lock.
        .target(
            name: "CoachReport",
            dependencies: ["CoachCore", "CoachRuntime"]
        ),
        // A team's state as one checked, compressed file (`coach backup`), and putting one back (`coach restore`).
        .target(
            name: "CoachBackup",
            dependencies: [
                "CoachCore", "CoachStore", "CoachRuntime",
                .product(name: "CompressNIO", package: "compress-nio"), .product(name: "NIOCore", package: "swift-nio"),
            ]
        ),
        // A thin `@main` and the builder that turns a loaded setup into the service group.
        .executableTarget(
            name: "coach",
            dependencies: [
                "CoachRuntime", "CoachStore", "CoachPlatforms", "CoachReport", "CoachOperations", "CoachBackup",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ]
        ),
        .executableTarget(
            name: "coach-bench",
            dependencies: [
                "CoachRuntime", "CoachPlatforms", "CoachReport", "CoachBackup", "CoachTestSupport",
                .product(name: "Logging", package: "swift-log"),
                // The fake long-polling platform of the many-teams rows.
                .product(name: "Hummingbird", package: "hummingbird"), .product(name: "NIOCore", package: "swift-nio"),
            ]
        ),
        // The seeded fuzzer over the parser, each platform's escaping, the splitter and the engine: scripts/fuzz.sh.
        .executableTarget(
            name: "coach-fuzz",
            dependencies: [
                "CoachCore", "CoachPlatforms", "CoachRuntime", "CoachTestSupport",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // Fakes and a manual clock, shared by the tests and the benchmark; and the CSV library's writer, which the
        // export's own is held to (tests) and timed against (benchmark).
        .target(
            name: "CoachTestSupport",
            dependencies: [
                "CoachCore", "CoachChat", "CoachRuntime", .product(name: "Logging", package: "swift-log"),
                .product(name: "CSV", package: "CSV.swift"),
            ]
        ),
        .testTarget(name: "CoachCoreTests", dependencies: ["CoachCore", "CoachTestSupport"]),
        .testTarget(name: "CoachStoreTests", dependencies: ["CoachStore"]),
        // The report's page and charts, the exports read back with the CSV library, and the report in a real browser.
        .testTarget(
            name: "CoachReportTests",
            dependencies: [
                "CoachReport", "CoachRuntime", "CoachStore", "CoachTestSupport",
                .product(name: "CSV", package: "CSV.swift"),
            ]
        ),
        // Backups taken beside a committing bot, damaged and truncated ones refused, restores and retention.
        .testTarget(
            name: "CoachBackupTests", dependencies: ["CoachBackup", "CoachRuntime", "CoachStore", "CoachTestSupport"]),
        .testTarget(name: "CoachRuntimeTests", dependencies: ["CoachRuntime", "CoachStore", "CoachTestSupport"]),
        .testTarget(
            name: "CoachOperationsTests",
            dependencies: [
                "CoachOperations", "CoachRuntime", "CoachTestSupport",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ]
        ),
        .testTarget(
            name: "CoachPlatformsTests",
            dependencies: [
                // `coach` too: the secret-planting tests run the bot as `coach run` and `coach check` build it.
                "coach", "CoachPlatforms", "CoachRuntime", "CoachTestSupport", .product(name: "FlyingFox", package: "FlyingFox"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ]
        ),
        // The builder, wired as `coach` wires it, with a scripted terminal, a fake network and a manual clock.
        .testTarget(name: "CoachTests", dependencies: ["coach", "CoachPlatforms", "CoachTestSupport"]),
    ]
)
