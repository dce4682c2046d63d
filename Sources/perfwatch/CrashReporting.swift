import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// How `perfwatch serve` reports a crash (docs/operations.md, "When the server crashes").
///
/// Swift's runtime reads `SWIFT_BACKTRACE` once, before `main`, so the default is set by
/// re-executing the binary (same PID, same arguments) when the variable is unset. The default
/// writes a fast backtrace (symbols, no line numbers) to standard error and exits: with full
/// symbolication a crashed server stayed up and deaf for about 12 s, long enough for a
/// supervisor to kill it mid-report. An operator's own `SWIFT_BACKTRACE` is always kept.
enum CrashReporting {
    static let defaultSetting = "enable=yes,interactive=no,symbolicate=fast,output-to=stderr"

    static func ensureFastBacktraces() {
        #if os(Linux)
        guard getenv("SWIFT_BACKTRACE") == nil else { return }
        setenv("SWIFT_BACKTRACE", defaultSetting, 1)
        let arguments = CommandLine.arguments
        var pointers = arguments.map { strdup($0) }
        pointers.append(nil)
        execv("/proc/self/exe", pointers)
        // execv returns only on failure: carry on with the runtime's default reporting.
        for pointer in pointers { free(pointer) }
        #endif
    }
}
