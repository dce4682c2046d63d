// swift-tools-version:6.1
import PackageDescription

// Strict settings for every target (STYLE.md habit 1).
let strictSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

let package = Package(
    name: "perfwatch",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "perfwatch", targets: ["perfwatch"]),
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
    ],
    targets: [
        .systemLibrary(name: "CZlib", path: "Sources/CZlib", providers: [.apt(["zlib1g-dev"])]),
        .target(name: "PerfwatchModel"),
        .target(name: "PerfwatchSketch"),
        .target(
            name: "PerfwatchStorage",
            dependencies: [
                "PerfwatchModel", "PerfwatchSketch",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(
            name: "PerfwatchIngest",
            dependencies: [
                "PerfwatchModel", "PerfwatchSketch", "PerfwatchStorage", "CZlib",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .target(name: "PerfwatchQuery", dependencies: ["PerfwatchModel", "PerfwatchSketch", "PerfwatchStorage"]),
        .target(
            name: "PerfwatchServer",
            dependencies: [
                "PerfwatchModel", "PerfwatchSketch", "PerfwatchStorage", "PerfwatchIngest", "PerfwatchQuery",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Yams", package: "Yams"),
            ]
        ),
        .executableTarget(
            name: "perfwatch",
            dependencies: [
                "PerfwatchServer",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ]
        ),
        .target(
            name: "PerfwatchTesting",
            dependencies: ["PerfwatchModel", "PerfwatchStorage", "PerfwatchServer", "CZlib"]
        ),
        .testTarget(name: "PerfwatchSketchTests", dependencies: ["PerfwatchSketch", "PerfwatchTesting"]),
        .testTarget(name: "PerfwatchStorageTests", dependencies: ["PerfwatchStorage", "PerfwatchModel", "PerfwatchSketch", "PerfwatchTesting"]),
        .testTarget(name: "PerfwatchIngestTests", dependencies: ["PerfwatchIngest", "PerfwatchModel", "PerfwatchTesting"]),
        .testTarget(name: "PerfwatchQueryTests", dependencies: ["PerfwatchQuery", "PerfwatchStorage", "PerfwatchModel", "PerfwatchTesting"]),
        .testTarget(
            name: "PerfwatchServerTests",
            dependencies: [
                "PerfwatchServer", "PerfwatchTesting", "PerfwatchModel", "PerfwatchStorage",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ]
        ),
    ]
)

for target in package.targets where target.type != .system {
    target.swiftSettings = (target.swiftSettings ?? []) + strictSettings
}
