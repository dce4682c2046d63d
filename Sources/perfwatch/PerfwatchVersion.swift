/// What `perfwatch --version` prints. Set by hand when a release is cut (the build embeds no
/// commit: SwiftPM has no build-time hook for it without a plugin).
enum PerfwatchVersion {
    static let text = "0.16.0"
}
