#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Whether the server can listen on `host:port`, checked before anything starts, so a port in use is
/// reported as such ("127.0.0.1:4318 is already in use") instead of NIO's raw bind error after the
/// store and the background services have started (issue 15). The bind is released at once; the
/// server binds for real a moment later (a race with another process is still reported by NIO).
enum ListenAddressCheck {
    /// nil when the address can be bound now; else a sentence naming the address, the problem and
    /// `setting`, the flag or key that chooses another address.
    static func problem(host: String, port: Int, setting: String = "--port") -> String? {
        var hints = addrinfo()
        hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, String(port), &hints, &list) == 0, let first = list else {
            return "cannot listen on \(host):\(port): the address \"\(host)\" does not resolve"
        }
        defer { freeaddrinfo(list) }
        let fd = socket(first.pointee.ai_family, first.pointee.ai_socktype, first.pointee.ai_protocol)
        guard fd >= 0 else { return nil }  // Cannot probe: let the real bind decide.
        defer { close(fd) }
        var one: Int32 = 1
        _ = setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        guard bind(fd, first.pointee.ai_addr, first.pointee.ai_addrlen) != 0 else { return nil }
        switch errno {
        case EADDRINUSE:
            return "cannot listen on \(host):\(port): the port is already in use (another perfwatch, or another program); choose another with \(setting)"
        case EACCES:
            return "cannot listen on \(host):\(port): permission denied (ports below 1024 need privileges)"
        case EADDRNOTAVAIL:
            return "cannot listen on \(host):\(port): \(host) is not an address of this machine"
        default:
            return "cannot listen on \(host):\(port): \(String(cString: strerror(errno)))"
        }
    }
}
