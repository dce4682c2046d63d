// swift-tools-version:6.2
// A real Swift OpenTelemetry client (swift-otel) for the end-to-end test
// Tests/e2e/test_swift_otel.py. Its own package, built by scripts/test.sh with
// `swift build --package-path Tests/swift-otel-client --scratch-path .build-otel-client`,
// so the server's build is untouched. Only the OTLP/HTTP trait: gRPC is not built.
import PackageDescription

let package = Package(
    name: "swift-otel-client",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(url: "https://github.com/swift-otel/swift-otel", from: "1.6.0", traits: ["OTLPHTTP"]),
        .package(url: "https://github.com/apple/swift-distributed-tracing", from: "1.7.3"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
    ],
    targets: [
        .executableTarget(
            name: "otel-client",
            dependencies: [
                .product(name: "OTel", package: "swift-otel"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
    ]
)
