// swift-tools-version:6.1
import PackageDescription

// libFuzzer targets for every parser (issue 13; scripts/fuzz.sh builds and runs them, see
// docs/limits.md). Built only with `-sanitize=fuzzer,address` (libFuzzer supplies `main`):
//   swift build --package-path Fuzz --scratch-path .build-fuzz \
//       -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library
// One binary serves every target (PERFWATCH_FUZZ_TARGET picks one): each extra executable would
// link the whole dependency graph again, the slowest step of the fuzz build on two cores.
let package = Package(
    name: "perfwatch-fuzz",
    platforms: [.macOS(.v15)],
    dependencies: [.package(name: "perfwatch", path: "..")],
    targets: [
        .executableTarget(
            name: "PerfwatchFuzz",
            dependencies: [
                .product(name: "PerfwatchIngest", package: "perfwatch"),
                .product(name: "PerfwatchGzip", package: "perfwatch"),
                .product(name: "PerfwatchModel", package: "perfwatch"),
                .product(name: "PerfwatchAlerting", package: "perfwatch"),
                .product(name: "PerfwatchLoad", package: "perfwatch"),
                .product(name: "PerfwatchAnalysis", package: "perfwatch"),
                .product(name: "PerfwatchImages", package: "perfwatch"),
                .product(name: "PerfwatchEdge", package: "perfwatch"),
                .product(name: "PerfwatchPromQL", package: "perfwatch"),
            ]
        ),
    ]
)
