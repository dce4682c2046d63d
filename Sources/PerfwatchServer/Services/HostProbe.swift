import Foundation

/// Reads host and process figures from /proc and statvfs (Linux). Missing files give nil, so
/// the server still runs where /proc is absent.
struct HostProbe {
    struct CPUTimes {
        var busy: UInt64
        var total: UInt64
    }

    static func cpuTimes() -> CPUTimes? {
        guard let line = firstLine("/proc/stat"), line.hasPrefix("cpu ") else { return nil }
        let fields = line.split(separator: " ").dropFirst().compactMap { UInt64($0) }
        guard fields.count >= 4 else { return nil }
        let idle = fields[3] + (fields.count > 4 ? fields[4] : 0)
        let total = fields.prefix(8).reduce(0, +)
        return CPUTimes(busy: total - idle, total: total)
    }

    static func memoryPercent() -> Double? {
        guard let text = try? String(contentsOfFile: "/proc/meminfo", encoding: .utf8) else { return nil }
        var total: Double?
        var available: Double?
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: " ", omittingEmptySubsequences: true)
            guard parts.count >= 2 else { continue }
            if parts[0] == "MemTotal:" { total = Double(parts[1]) }
            if parts[0] == "MemAvailable:" { available = Double(parts[1]) }
        }
        guard let total, let available, total > 0 else { return nil }
        return (total - available) / total * 100
    }

    static func diskUsedPercent(path: String) -> Double? {
        var stats = statvfs()
        guard statvfs(path, &stats) == 0 else { return nil }
        let used = Double(stats.f_blocks - stats.f_bfree)
        let usable = used + Double(stats.f_bavail)
        guard usable > 0 else { return nil }
        return used / usable * 100
    }

    /// Received and transmitted bytes over every interface but loopback.
    static func networkBytes() -> (received: Double, transmitted: Double)? {
        guard let text = try? String(contentsOfFile: "/proc/net/dev", encoding: .utf8) else { return nil }
        var received = 0.0
        var transmitted = 0.0
        for line in text.split(separator: "\n").dropFirst(2) {
            let parts = line.split(separator: ":", maxSplits: 1)
            guard parts.count == 2, parts[0].trimmingCharacters(in: .whitespaces) != "lo" else { continue }
            let fields = parts[1].split(separator: " ", omittingEmptySubsequences: true)
            guard fields.count >= 9 else { continue }
            received += Double(fields[0]) ?? 0
            transmitted += Double(fields[8]) ?? 0
        }
        return (received, transmitted)
    }

    static func processRSSBytes() -> Double? {
        guard let text = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix("VmRSS:") {
            let parts = line.split(separator: " ", omittingEmptySubsequences: true)
            if parts.count >= 2, let kilobytes = Double(parts[1]) { return kilobytes * 1024 }
        }
        return nil
    }

    /// User + system CPU seconds this process has used.
    static func processCPUSeconds() -> Double? {
        guard let line = firstLine("/proc/self/stat"), let close = line.lastIndex(of: ")") else { return nil }
        let fields = line[line.index(after: close)...].split(separator: " ")
        // After the command name: state is field 3, utime 14 and stime 15 (1-based in proc(5)).
        guard fields.count > 13, let user = Double(fields[11]), let system = Double(fields[12]) else { return nil }
        return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    private static func firstLine(_ path: String) -> String? {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return nil }
        return text.split(separator: "\n", maxSplits: 1).first.map(String.init)
    }
}
