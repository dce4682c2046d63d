#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import PerfwatchModel

/// An exclusive `flock` on `<data>/LOCK`, so a second process cannot open the same data directory.
/// The kernel drops the lock when the process dies, even by SIGKILL.
final class DataDirectoryLock: Sendable {
    let descriptor: Int32

    init(directory: String) throws {
        let path = directory + "/LOCK"
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw PerfwatchError(.unavailable, "cannot open lock file \(path): errno \(errno)")
        }
        if flock(fd, LOCK_EX | LOCK_NB) != 0 {
            close(fd)
            throw PerfwatchError(
                .unavailable,
                "data directory \(directory) is locked by another perfwatch process (lock file \(path))")
        }
        let pid = "\(getpid())\n"
        _ = ftruncate(fd, 0)
        _ = pid.withCString { write(fd, $0, strlen($0)) }
        descriptor = fd
    }

    deinit {
        flock(descriptor, LOCK_UN)
        close(descriptor)
    }
}
