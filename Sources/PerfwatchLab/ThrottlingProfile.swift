public import PerfwatchModel

/// Lighthouse's throttling per device, applied with DevTools ("devtools" throttling): the simulated 150 ms RTT
/// of mobile is 562.5 ms of request latency (150 × 3.75, Lighthouse's adjustment for devtools throttling).
public struct ThrottlingProfile: Sendable, Equatable {
    public var width: Int
    public var height: Int
    public var deviceScaleFactor: Double
    public var mobile: Bool
    public var latencyMs: Double
    public var downloadKbps: Double
    public var uploadKbps: Double
    public var cpuSlowdown: Double

    public static func lighthouse(_ device: AuditDevice) -> ThrottlingProfile {
        switch device {
        case .mobile:
            ThrottlingProfile(
                width: 412, height: 823, deviceScaleFactor: 1.75, mobile: true, latencyMs: 562.5, downloadKbps: 1474.56, uploadKbps: 675,
                cpuSlowdown: 4)
        case .desktop:
            ThrottlingProfile(
                width: 1350, height: 940, deviceScaleFactor: 1, mobile: false, latencyMs: 40, downloadKbps: 10240, uploadKbps: 10240,
                cpuSlowdown: 1)
        }
    }

    /// The device's viewport with nothing slowed down (synthetic browser checks: "an audit without throttling"):
    /// no added latency, throughput -1 (DevTools' "no limit"), CPU at full speed.
    public static func unthrottled(_ device: AuditDevice) -> ThrottlingProfile {
        var profile = lighthouse(device)
        profile.latencyMs = 0
        profile.downloadKbps = -1
        profile.uploadKbps = -1
        profile.cpuSlowdown = 1
        return profile
    }

    /// DevTools takes throughput in bytes per second; Lighthouse's Kbps are 1,024 bits.
    var downloadBytesPerSecond: Double { downloadKbps < 0 ? -1 : downloadKbps * 1024 / 8 }
    var uploadBytesPerSecond: Double { uploadKbps < 0 ? -1 : uploadKbps * 1024 / 8 }
}
