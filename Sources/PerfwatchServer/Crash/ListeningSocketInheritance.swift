#if canImport(Glibc)
import Glibc
#endif

/// Marks the process's sockets close-on-exec.
///
/// NIO opens its listening socket without `SOCK_CLOEXEC`, so when the server crashed, the
/// `swift-backtrace` helper the runtime spawns inherited it; if a supervisor then killed the
/// server, the orphaned helper kept the port and restarts failed with "address in use" for
/// over 90 s. Called once the server listens (and cheap: one `fcntl` per open descriptor).
enum ListeningSocketInheritance {
    static func markSocketsCloseOnExec() {
        #if os(Linux)
        guard let directory = opendir("/proc/self/fd") else { return }
        defer { closedir(directory) }
        var descriptors: [Int32] = []
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            if let descriptor = Int32(name), descriptor > 2 { descriptors.append(descriptor) }
        }
        for descriptor in descriptors {
            // Only sockets: getsockopt fails with ENOTSOCK on anything else.
            var type: Int32 = 0
            var length = socklen_t(MemoryLayout<Int32>.size)
            guard getsockopt(descriptor, SOL_SOCKET, SO_TYPE, &type, &length) == 0 else { continue }
            let flags = fcntl(descriptor, F_GETFD)
            if flags >= 0 { _ = fcntl(descriptor, F_SETFD, flags | FD_CLOEXEC) }
        }
        #endif
    }
}
