#if canImport(Glibc)
import Glibc
#endif

/// `print`, then flushed: stdout is block-buffered when it is not a terminal, so a long-running command piped
/// into `tee` or a CI log showed its progress only at exit (`fflush(nil)` flushes every stream without naming C's
/// `stdout`, which Swift 6 refuses in concurrent code).
func printNow(_ line: String) {
    print(line)
    fflush(nil)
}
