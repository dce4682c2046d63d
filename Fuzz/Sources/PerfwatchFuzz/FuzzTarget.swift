import Foundation

/// One parser under fuzzing: its name (the corpus folder, `Fuzz/corpus/<name>/`) and what it
/// does with one input. A target traps (and so fails the run) when the parser does something a
/// server must never do on hostile input: crash, or throw an error the HTTP layer cannot map
/// to a 4xx.
struct FuzzTarget: Sendable {
    let name: String
    let run: @Sendable (_ input: [UInt8]) -> Void

    /// Every target, in the order `scripts/fuzz.sh` runs them.
    static let all: [FuzzTarget] = ingestTargets + parameterTargets + fileTargets + imageTargets + edgeTargets + promQLTargets

    static func named(_ name: String) -> FuzzTarget? { all.first { $0.name == name } }
}

/// The target named by `PERFWATCH_FUZZ_TARGET`, chosen once before the first input.
nonisolated(unsafe) private var selected: FuzzTarget?

/// libFuzzer's driver: its own `main` cannot be used, because SwiftPM links every executable
/// with `main` defined as `<module>_main` (so tests can link it). The entry point SwiftPM names
/// runs the same driver.
@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(
    _ argc: UnsafeMutablePointer<CInt>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
    _ testOneInput: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
) -> CInt

@_cdecl("PerfwatchFuzz_main")
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    var argc = argc
    var argv = argv
    return LLVMFuzzerRunDriver(&argc, &argv) { start, count in fuzzerTestOneInput(start, count) }
}

@_cdecl("LLVMFuzzerInitialize")
public func fuzzerInitialize(_ argc: UnsafeMutablePointer<CInt>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>) -> CInt {
    let name = ProcessInfo.processInfo.environment["PERFWATCH_FUZZ_TARGET"] ?? ""
    guard let target = FuzzTarget.named(name) else {
        let names = FuzzTarget.all.map(\.name).joined(separator: " ")
        FileHandle.standardError.write(Data("set PERFWATCH_FUZZ_TARGET to one of: \(names)\n".utf8))
        exit(2)
    }
    selected = target
    return 0
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzerTestOneInput(_ start: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let input = start.map { Array(UnsafeBufferPointer(start: $0, count: count)) } ?? []
    selected?.run(input)
    return 0
}
